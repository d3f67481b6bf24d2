"""SMS over the Twilio REST API shape: POST {SMS_API_URL}/2010-04-01/Accounts/{SID}/Messages.json.

Works against Twilio itself and against the local stand-in (firstcall/messaging/standin/sms_server.py).
Errors are classified: timeouts, connection errors, 5xx, 429 (and 401/403, a credentials problem an operator
fixes) are transient; other 4xx are permanent, with Twilio's error code in the reason. Error codes:
https://www.twilio.com/docs/api/errors (21610: the recipient replied STOP; 21211/21614: not a valid
mobile)."""

import base64
import http.client
import json
import os
import socket
import ssl
import threading
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from firstcall.messaging.providers.base import (
    PermanentProviderError,
    Provider,
    ProviderResult,
    TransientProviderError,
)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
UNSUBSCRIBED_RECIPIENT = 21610

# One kept-alive connection per thread and API origin: a burst of cadence texts costs one TCP (and TLS)
# handshake per worker thread, not one per text. The standard library's client is used rather than httpx: on the
# send path it costs 0.19 ms of CPU per request against httpx's 0.66 ms (docs/benchmarks.md, cadences); a text
# is one small form POST.
_local = threading.local()
_tls_context: ssl.SSLContext | None = None


def _connection(scheme: str, host: str, port: int | None) -> tuple[http.client.HTTPConnection, bool]:
    """(connection, reused) for the origin, kept per thread."""
    global _tls_context
    connections = getattr(_local, "connections", None)
    if connections is None or _local.pid != os.getpid():  # never share a socket with a forked parent
        connections = _local.connections = {}
        _local.pid = os.getpid()
    key = (scheme, host, port)
    connection = connections.get(key)
    seconds = float(getattr(settings, "SMS_API_TIMEOUT_SECONDS", 10))
    if connection is not None and connection.sock is not None:
        connection.sock.settimeout(seconds)
        return connection, True
    if scheme == "https":
        if _tls_context is None:
            _tls_context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(host, port, timeout=min(seconds, 5.0), context=_tls_context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=min(seconds, 5.0))
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    connection.sock.settimeout(seconds)  # connecting may take 5 s at most; an answer, the configured time
    connections[key] = connection
    return connection, False


def _drop_connection(scheme: str, host: str, port: int | None) -> None:
    connection = getattr(_local, "connections", {}).pop((scheme, host, port), None)
    if connection is not None:
        connection.close()


def _post(url: str, form: dict, auth: tuple[str, str], headers: dict) -> tuple[int, str, bytes]:
    """POST a form; (status, reason, body). A kept-alive connection the server closed while idle is replaced
    and the request made once more: it never reached the API, and the idempotency key would make even a
    repeat harmless. Raises OSError (TimeoutError included) or http.client.HTTPException."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(form).encode()
    credentials = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    request_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": f"Basic {credentials}",
        "Accept": "application/json",
        **headers,
    }
    origin = (parts.scheme, parts.hostname, parts.port)
    for _attempt in range(2):
        connection, reused = _connection(*origin)
        try:
            connection.request("POST", path, body=body, headers=request_headers)
            response = connection.getresponse()
            content = response.read()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            _drop_connection(*origin)
            if reused:
                continue
            raise
        except BaseException:
            _drop_connection(*origin)
            raise
        if response.will_close:
            _drop_connection(*origin)
        return response.status, response.reason, content
    raise http.client.RemoteDisconnected("the SMS API closed the connection")


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
            status, reason_phrase, content = _post(
                url, form, (account_sid, auth_token), {IDEMPOTENCY_HEADER: message.idempotency_key}
            )
        except TimeoutError as error:
            raise TransientProviderError(f"SMS API timed out ({type(error).__name__})") from error
        except (OSError, http.client.HTTPException) as error:
            raise TransientProviderError(f"SMS API unreachable ({type(error).__name__})") from error

        payload = _json(content)
        if 200 <= status < 300:
            sid = payload.get("sid")
            if not isinstance(sid, str) or not sid:
                raise TransientProviderError(f"SMS API answered {status} without a message sid")
            return ProviderResult(provider_message_id=sid)

        code = payload.get("code")
        detail = str(payload.get("message") or reason_phrase)[:300]
        reason = f"HTTP {status}" + (f", Twilio error {code}" if code else "") + f": {detail}"
        if status in (401, 403, 408, 429) or status >= 500:
            raise TransientProviderError(reason, code=code or status)
        raise PermanentProviderError(
            reason, code=code or status, suppress_address=code == UNSUBSCRIBED_RECIPIENT
        )


def _json(content: bytes) -> dict:
    try:
        data = json.loads(content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
