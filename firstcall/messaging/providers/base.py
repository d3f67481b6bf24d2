"""The one interface every provider speaks: send(message) -> ProviderResult, or raise a classified error."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderResult:
    provider_message_id: str
    # Some providers confirm delivery in the response itself (the demo provider); others call back later.
    is_delivered: bool = False


class ProviderError(Exception):
    def __init__(self, reason: str, *, code: str | int | None = None):
        super().__init__(reason)
        self.reason = reason[:480]
        self.code = code


class TransientProviderError(ProviderError):
    """Try again later with the same idempotency key: timeouts, 5xx, 429, connection errors."""


class PermanentProviderError(ProviderError):
    """Retrying cannot help: invalid number, unsubscribed recipient, rejected address."""

    def __init__(self, reason: str, *, code: str | int | None = None, suppress_address: bool = False):
        super().__init__(reason, code=code)
        # The provider says the recipient opted out or bounced: add the address to the suppression list.
        self.suppress_address = suppress_address


class Provider:
    name = "base"

    def send(self, message) -> ProviderResult:  # pragma: no cover - interface
        raise NotImplementedError
