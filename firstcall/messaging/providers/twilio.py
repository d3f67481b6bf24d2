"""SMS over the Twilio REST API shape: POST {SMS_API_URL}/2010-04-01/Accounts/{SID}/Messages.json.

Works against Twilio itself and against the local stand-in (firstcall/messaging/standin/sms_server.py).
Errors are classified: timeouts, connection errors, 5xx, 429 (and 401/403, a credentials problem an operator
fixes) are transient; other 4xx are permanent, with Twilio's error code in the reason. Error codes:
https://www.twilio.com/docs/api/errors (21610: the recipient replied STOP; 21211/21614: not a valid
mobile)."""

import threading

import httpx
from django.conf import settings

from firstcall.messaging.providers.base import (
    PermanentProviderError,
    Provider,
    ProviderResult,
    TransientProviderError,
)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
UNSUBSCRIBED_RECIPIENT = 21610

_client_lock = threading.Lock()
_client: httpx.Client | None = None


def _http() -> httpx.Client:
    """One pooled client per process: keep-alive saves a TCP (and TLS) handshake on every first touch."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client()
        return _client


def _timeout() -> httpx.Timeout:
    seconds = float(getattr(settings, "SMS_API_TIMEOUT_SECONDS", 10))
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def status_callback_url(message) -> str:
    """Our delivery-report URL. It names the message, so a report that beats our own "sent" update still
    lands."""
    base = getattr(settings, "SMS_STATUS_CALLBACK_URL", "") or f"{settings.SITE_URL}/hooks/sms/status/"
    return f"{base}{'&' if '?' in base else '?'}m={message.pk}"


class TwilioSmsProvider(Provider):
    name = "twilio"

    def send(self, message) -> ProviderResult:
        account_sid, auth_token = settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN
        if not (account_sid and auth_token):
            raise TransientProviderError("SMS provider is not configured (account SID and auth token)")
        url = f"{settings.SMS_API_URL}/2010-04-01/Accounts/{account_sid}/Messages.json"
        form = {"To": message.to_address, "From": message.from_address, "Body": message.body}
        if message.purpose != "alert":
            # Delivery reports prove what reached a borrower. A loan officer's alert text skips them (half the
            # callback traffic at a lead's arrival); a refused alert still fails visibly from this response.
            form["StatusCallback"] = status_callback_url(message)
        try:
            response = _http().post(
                url,
                data=form,
                auth=(account_sid, auth_token),
                headers={IDEMPOTENCY_HEADER: message.idempotency_key},
                timeout=_timeout(),
            )
        except httpx.TimeoutException as error:
            raise TransientProviderError(f"SMS API timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise TransientProviderError(f"SMS API unreachable ({type(error).__name__})") from error

        payload = _json(response)
        if response.is_success:
            sid = payload.get("sid")
            if not isinstance(sid, str) or not sid:
                raise TransientProviderError(f"SMS API answered {response.status_code} without a message sid")
            return ProviderResult(provider_message_id=sid)

        code = payload.get("code")
        detail = str(payload.get("message") or response.reason_phrase)[:300]
        reason = f"HTTP {response.status_code}" + (f", Twilio error {code}" if code else "") + f": {detail}"
        if response.status_code in (401, 403, 408, 429) or response.status_code >= 500:
            raise TransientProviderError(reason, code=code or response.status_code)
        raise PermanentProviderError(
            reason, code=code or response.status_code, suppress_address=code == UNSUBSCRIBED_RECIPIENT
        )


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
