"""Demo provider: nothing leaves the machine; the message is marked sent and shows in the in-app outbox."""

import hashlib

from firstcall.messaging.providers.base import Provider, ProviderResult


class DemoProvider(Provider):
    name = "demo"

    def send(self, message) -> ProviderResult:
        digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:30]
        return ProviderResult(provider_message_id=f"DM{digest}")
