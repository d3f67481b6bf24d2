"""A local stand-in SMS provider that speaks the subset of the Twilio REST API FirstCall uses.

For demos, tests and benchmarks (time-to-first-text), with no account and no network:

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (HTTP Basic auth ``AccountSid:AuthToken``; form
  fields To, From, Body, StatusCallback) creates a message and answers like Twilio: 201 and JSON with ``sid``
  "SM..." and ``status`` "queued". The ``I-Twilio-Idempotency-Token`` header is honoured: a repeat of a token
  returns the first message and creates nothing (so a retry after a lost response never texts twice).
* Shortly afterwards it POSTs the StatusCallback ("sent", then "delivered") signed with
  ``X-Twilio-Signature``.
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` fetches a message.
* Inbound texts are injected with :meth:`StandinSmsServer.send_inbound` (or ``POST /_standin/inbound`` with
  From, To, Body): it POSTs to our inbound webhook with a valid signature, like Twilio does.
* Every request is recorded with a monotonic and a wall-clock timestamp (``.requests``, or
  ``GET /_standin/requests`` from another process); failure modes (500, 429, slow, 400 with a Twilio error
  code, accept-then-500) are queued with :meth:`fail_next` or ``POST /_standin/fail`` (``mode=500,429``).

Run it::

    python -m firstcall.messaging.standin.sms_server --port 8025 --callback-base http://127.0.0.1:8000

and point FirstCall at it: FIRSTCALL_SMS_PROVIDER=twilio FIRSTCALL_SMS_API_URL=http://127.0.0.1:8025 with the
same account SID and auth token. In tests: ``server = StandinSmsServer(...).start()`` on a random port,
``server.stop()``.

Pure standard library plus our signature helper: it does not start Django.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import math
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from firstcall.messaging.twilio_signature import compute_signature

API_PREFIX = "/2010-04-01/Accounts/"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "standin-auth-token"
GSM_SINGLE_SEGMENT, GSM_MULTI_SEGMENT = 160, 153

# Callable(url, params, headers) -> HTTP status: how callbacks and inbound texts reach FirstCall.
Poster = Callable[[str, dict, dict], int]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict
    form: dict
    idempotency_token: str
    monotonic: float  # time.monotonic() when the request arrived: for latency maths in the same process
    wall: float  # time.time() when the request arrived: for comparing with other processes
    status: int = 0
    sid: str = ""
    is_duplicate: bool = False
    failure_mode: str = ""


@dataclass
class Callback:
    url: str
    params: dict
    signature: str
    kind: str  # "status" or "inbound"
    status: int = 0
    sent_at: float = 0.0
    error: str = ""


@dataclass
class StandinMessage:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    idempotency_token: str
    status: str = "queued"
    created_wall: float = field(default_factory=time.time)

    def as_twilio_json(self) -> dict:
        created = formatdate(self.created_wall, usegmt=True)
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(segments(self.body)),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{API_PREFIX}{self.account_sid}/Messages/{self.sid}/Media.json"},
            "to": self.to,
            "uri": f"{API_PREFIX}{self.account_sid}/Messages/{self.sid}.json",
        }


def segments(body: str) -> int:
    """Rough SMS segment count: GSM-7 text 160/153 characters, anything else UCS-2 70/67."""
    is_ascii = all(ord(character) < 128 for character in body)
    single, multi = (GSM_SINGLE_SEGMENT, GSM_MULTI_SEGMENT) if is_ascii else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / multi)


def urllib_poster(url: str, params: dict, headers: dict) -> int:
    data = "&".join(
        f"{urllib.request.quote(str(k), safe='')}={urllib.request.quote(str(v), safe='')}"
        for k, v in params.items()
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator chooses the callback base
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class StandinSmsServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        callback_base: str = "",
        callback_delay: float = 0.05,
        auto_callbacks: bool = True,
        inbound_path: str = "/hooks/sms/inbound/",
        poster: Poster | None = None,
    ):
        self.host, self.port = host, port
        self.account_sid, self.auth_token = account_sid, auth_token
        self.callback_base = callback_base.rstrip("/")
        self.callback_delay = callback_delay
        self.auto_callbacks = auto_callbacks
        self.inbound_path = inbound_path
        self.poster = poster or urllib_poster
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, StandinMessage] = {}
        self.callbacks: list[Callback] = []
        self.pending_callbacks: list[Callback] = []
        self.opted_out_numbers: set[str] = set()
        self._by_token: dict[str, str] = {}
        self._failures: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------------------------------- lifecycle

    def start(self) -> StandinSmsServer:
        handler = type("BoundHandler", (_Handler,), {"standin": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sms-standin", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        handler = type("BoundHandler", (_Handler,), {"standin": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> StandinSmsServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------------------------------ controls

    def fail_next(self, *modes: str) -> None:
        """Queue failure modes for the next create-message requests, one each: "500", "429", "timeout" (never
        answers within the client's patience: sleeps 30 s), "slow:<seconds>" (then succeeds), "400" or
        "400:<twilio code>", "accept_then_500" (creates the message but answers 500, like a lost response)."""
        with self._lock:
            self._failures.extend(modes)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self.callbacks.clear()
            self.pending_callbacks.clear()
            self._by_token.clear()
            self._failures.clear()

    def created_messages(self) -> list[StandinMessage]:
        with self._lock:
            return sorted(self.messages.values(), key=lambda message: message.created_wall)

    def create_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")]

    # ------------------------------------------------------------------------------------------ outgoing

    def sign(self, url: str, params: dict) -> str:
        return compute_signature(url, params, self.auth_token)

    def _post(self, callback: Callback, poster: Poster | None = None) -> Callback:
        try:
            callback.status = (poster or self.poster)(
                callback.url, callback.params, {"X-Twilio-Signature": callback.signature}
            )
        except Exception as error:  # a callback that fails is recorded, like Twilio's debugger would
            callback.error = f"{type(error).__name__}: {error}"[:300]
        callback.sent_at = time.time()
        with self._lock:
            self.callbacks.append(callback)
        return callback

    def _status_callbacks(self, message: StandinMessage) -> list[Callback]:
        result = []
        for status in ("sent", "delivered"):
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": "2010-04-01",
                "From": message.from_,
                "MessageSid": message.sid,
                "MessageStatus": status,
                "SmsSid": message.sid,
                "SmsStatus": status,
                "To": message.to,
            }
            result.append(
                Callback(
                    message.status_callback, params, self.sign(message.status_callback, params), "status"
                )
            )
        return result

    def _after_create(self, message: StandinMessage) -> None:
        if not message.status_callback:
            message.status = "delivered"
            return
        callbacks = self._status_callbacks(message)
        if not self.auto_callbacks:
            with self._lock:
                self.pending_callbacks.extend(callbacks)
            message.status = "delivered"
            return

        def run():
            time.sleep(self.callback_delay)
            for callback in callbacks:
                message.status = callback.params["MessageStatus"]
                self._post(callback)

        threading.Thread(target=run, name="sms-standin-callback", daemon=True).start()

    def flush_callbacks(self, poster: Poster | None = None) -> list[Callback]:
        """Send the queued status callbacks now, in this thread (for tests that run without a live server)."""
        with self._lock:
            callbacks, self.pending_callbacks = self.pending_callbacks, []
        return [self._post(callback, poster) for callback in callbacks]

    def inbound_request(
        self, from_: str, to: str, body: str, *, sid: str | None = None, url: str | None = None
    ):
        """(url, params, signature) of an inbound text as Twilio would POST it to our webhook."""
        url = url or f"{self.callback_base}{self.inbound_path}"
        message_sid = sid or "SM" + secrets.token_hex(16)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": from_,
            "MessageSid": message_sid,
            "NumMedia": "0",
            "NumSegments": str(segments(body)),
            "SmsMessageSid": message_sid,
            "SmsSid": message_sid,
            "SmsStatus": "received",
            "To": to,
        }
        return url, params, self.sign(url, params)

    def send_inbound(
        self,
        from_: str,
        to: str,
        body: str,
        *,
        sid: str | None = None,
        url: str | None = None,
        poster: Poster | None = None,
    ) -> Callback:
        url, params, signature = self.inbound_request(from_, to, body, sid=sid, url=url)
        return self._post(Callback(url, params, signature, "inbound"), poster)

    # --------------------------------------------------------------------------------------- API handling

    def _next_failure(self) -> str:
        with self._lock:
            return self._failures.pop(0) if self._failures else ""

    def _authorised(self, header: str, account_sid: str) -> bool:
        if not header.startswith("Basic ") or account_sid != self.account_sid:
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(
            password, self.auth_token
        )

    def create_message(
        self, record: RecordedRequest, authorization: str, account_sid: str
    ) -> tuple[int, dict]:
        if not self._authorised(authorization, account_sid):
            return 401, _error(20003, "Authenticate", 401)
        mode = self._next_failure()
        record.failure_mode = mode
        if mode.startswith("slow:"):
            time.sleep(float(mode.split(":", 1)[1]))
        elif mode == "timeout":
            time.sleep(30)
        elif mode == "500":
            return 500, _error(20500, "Internal Server Error", 500)
        elif mode == "429":
            return 429, _error(20429, "Too Many Requests", 429)
        elif mode.startswith("400"):
            code = int(mode.split(":", 1)[1]) if ":" in mode else 21211
            return 400, _error(code, f"Stand-in rejection {code}", 400)
        form = record.form
        for required, code in (("To", 21604), ("Body", 21602), ("From", 21603)):
            if not form.get(required):
                return 400, _error(code, f"A '{required}' is required.", 400)
        if form["To"] in self.opted_out_numbers:
            return 400, _error(21610, "Attempt to send to unsubscribed recipient", 400)
        token = record.idempotency_token
        with self._lock:
            existing_sid = self._by_token.get(token) if token else None
            if existing_sid:
                message, is_new = self.messages[existing_sid], False
            else:
                message = StandinMessage(
                    sid="SM" + secrets.token_hex(16),
                    account_sid=self.account_sid,
                    to=form["To"],
                    from_=form["From"],
                    body=form["Body"],
                    status_callback=form.get("StatusCallback", ""),
                    idempotency_token=token,
                )
                self.messages[message.sid] = message
                if token:
                    self._by_token[token] = message.sid
                is_new = True
        record.sid, record.is_duplicate = message.sid, not is_new
        payload = message.as_twilio_json()
        if is_new:
            payload["status"] = "queued"
            self._after_create(message)
        if mode == "accept_then_500":
            return 500, _error(20500, "Internal Server Error", 500)
        return 201, payload

    def fetch_message(self, authorization: str, account_sid: str, sid: str) -> tuple[int, dict]:
        if not self._authorised(authorization, account_sid):
            return 401, _error(20003, "Authenticate", 401)
        with self._lock:
            message = self.messages.get(sid)
        if message is None:
            return 404, _error(20404, f"The requested resource {sid} was not found", 404)
        return 200, message.as_twilio_json()


def _error(code: int, message: str, status: int) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    standin: StandinSmsServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API offers
    # Headers and body go out in separate writes; with Nagle on, each answer would wait ~40 ms for the
    # client's delayed ACK, which would swamp the latencies benchmarks measure.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - quiet: the .requests list is the log
        return

    def _record(self) -> RecordedRequest:
        arrived_monotonic, arrived_wall = time.monotonic(), time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        headers = {key: value for key, value in self.headers.items() if key.lower() != "authorization"}
        record = RecordedRequest(
            method=self.command,
            path=urlsplit(self.path).path,
            headers=headers,
            form=form,
            idempotency_token=self.headers.get(IDEMPOTENCY_HEADER, ""),
            monotonic=arrived_monotonic,
            wall=arrived_wall,
        )
        with self.standin._lock:
            self.standin.requests.append(record)
        return record

    def _send(self, record: RecordedRequest | None, status: int, payload) -> None:
        if record is not None:
            record.status = status
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server naming
        record = self._record()
        path = record.path
        if path.startswith(API_PREFIX) and path.endswith("/Messages.json"):
            account_sid = path[len(API_PREFIX) :].split("/", 1)[0]
            status, payload = self.standin.create_message(
                record, self.headers.get("Authorization", ""), account_sid
            )
            return self._send(record, status, payload)
        if path == "/_standin/inbound":
            callback = self.standin.send_inbound(
                record.form.get("From", ""), record.form.get("To", ""), record.form.get("Body", "")
            )
            return self._send(record, 200, asdict(callback))
        if path == "/_standin/fail":
            modes = [mode for mode in record.form.get("mode", "").split(",") if mode]
            self.standin.fail_next(*modes)
            return self._send(record, 200, {"queued": modes})
        if path == "/_standin/reset":
            self.standin.reset()
            return self._send(None, 200, {"reset": True})
        return self._send(record, 404, _error(20404, "Not found", 404))

    def do_GET(self):  # noqa: N802
        path = urlsplit(self.path).path
        if path == "/_standin/requests":
            with self.standin._lock:
                rows = [asdict(r) for r in self.standin.requests]
            return self._send(None, 200, {"requests": rows})
        if path == "/_standin/messages":
            return self._send(
                None, 200, {"messages": [m.as_twilio_json() for m in self.standin.created_messages()]}
            )
        if path == "/_standin/callbacks":
            with self.standin._lock:
                rows = [asdict(c) for c in self.standin.callbacks]
            return self._send(None, 200, {"callbacks": rows})
        if path.startswith(API_PREFIX) and "/Messages/" in path and path.endswith(".json"):
            account_sid = path[len(API_PREFIX) :].split("/", 1)[0]
            sid = path.rsplit("/", 1)[1][: -len(".json")]
            status, payload = self.standin.fetch_message(
                self.headers.get("Authorization", ""), account_sid, sid
            )
            return self._send(None, status, payload)
        return self._send(None, 404, _error(20404, "Not found", 404))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local stand-in for the Twilio Messages API (FirstCall).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument(
        "--callback-base",
        default=os.environ.get("FIRSTCALL_SITE_URL", "http://127.0.0.1:8000"),
        help="FirstCall's base URL, for inbound texts injected with POST /_standin/inbound",
    )
    parser.add_argument(
        "--account-sid", default=os.environ.get("FIRSTCALL_SMS_ACCOUNT_SID") or DEFAULT_ACCOUNT_SID
    )
    parser.add_argument(
        "--auth-token", default=os.environ.get("FIRSTCALL_SMS_AUTH_TOKEN") or DEFAULT_AUTH_TOKEN
    )
    parser.add_argument(
        "--callback-delay", type=float, default=0.05, help="Seconds before the status callbacks"
    )
    parser.add_argument("--no-callbacks", action="store_true", help="Do not POST delivery status callbacks")
    args = parser.parse_args(argv)
    server = StandinSmsServer(
        host=args.host,
        port=args.port,
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        callback_base=args.callback_base,
        callback_delay=args.callback_delay,
        auto_callbacks=not args.no_callbacks,
    )
    print(
        f"SMS stand-in listening on http://{args.host}:{args.port} (callbacks to {args.callback_base})",
        flush=True,
    )
    print(
        "Point FirstCall at it: FIRSTCALL_SMS_PROVIDER=twilio "
        f"FIRSTCALL_SMS_API_URL=http://{args.host}:{args.port} "
        f"FIRSTCALL_SMS_ACCOUNT_SID={args.account_sid} FIRSTCALL_SMS_AUTH_TOKEN=<the same token>",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
