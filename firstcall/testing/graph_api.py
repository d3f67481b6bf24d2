"""A small local stand-in of the Graph API lead endpoint (GET /{leadgen_id}), over real HTTP on 127.0.0.1.

    with GraphApiStandIn(access_token="page-token") as graph:
        graph.add_lead("1234", {"full_name": "Ana Lopez", "email": "ana@example.com"})
        settings.META_GRAPH_URL = graph.url
        graph.fail_with("server_error", times=2)     # the next two requests answer 500, then normal service
        graph.fail_with("slow", slow_seconds=2)      # sleeps past the client's timeout before answering
        graph.request_count

Failure modes: "server_error" (500, transient), "rate_limited" (429, code 4), "slow" (sleeps), "oauth_error"
(400 OAuthException code 190: expired token, permanent). Unknown ids answer 400 GraphMethodException code
100, as Graph does. Error bodies follow Graph's {"error": {"message", "type", "code", "fbtrace_id"}} shape.

Run alone for a demo: python -m firstcall.testing.graph_api --port 8765 (serves two sample leads).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAILURE_MODES = {"server_error", "rate_limited", "slow", "oauth_error"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class GraphApiStandIn:
    def __init__(self, *, access_token: str | None = None, host: str = "127.0.0.1", port: int = 0):
        self.access_token = access_token
        self.leads: dict[str, dict] = {}
        self.requests: list[dict] = []
        self._failure: str | None = None
        self._failures_left: int | None = None
        self.slow_seconds = 2.0
        self._lock = threading.Lock()
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------------------------- control

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def add_lead(self, leadgen_id: str, answers: dict, **attributes) -> dict:
        """Serve a lead: answers {question name: value or [values]}; attributes such as ad_id, form_id,
        campaign_id, platform ("fb"/"ig"), is_organic, created_time."""
        lead = {
            "id": str(leadgen_id),
            "created_time": attributes.pop("created_time", "2026-03-02T15:04:05+0000"),
            "ad_id": "6100000000001",
            "form_id": "7100000000001",
            "campaign_id": "6200000000001",
            "is_organic": False,
            "platform": "fb",
            **attributes,
            "field_data": [
                {"name": name, "values": value if isinstance(value, list) else [value]}
                for name, value in answers.items()
            ],
        }
        with self._lock:
            self.leads[str(leadgen_id)] = lead
        return lead

    def fail_with(
        self, mode: str | None, *, times: int | None = None, slow_seconds: float | None = None
    ) -> None:
        """Switch a failure mode on (for the next `times` requests, or until switched off with None)."""
        if mode is not None and mode not in FAILURE_MODES:
            raise ValueError(f"Unknown failure mode {mode!r}; use one of {sorted(FAILURE_MODES)}")
        with self._lock:
            self._failure, self._failures_left = mode, times
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds

    def recover(self) -> None:
        self.fail_with(None)

    def start(self) -> "GraphApiStandIn":
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="graph-api-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "GraphApiStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -------------------------------------------------------------------------------- serving

    def _next_failure(self) -> str | None:
        with self._lock:
            mode = self._failure
            if mode and self._failures_left is not None:
                self._failures_left -= 1
                if self._failures_left <= 0:
                    self._failure, self._failures_left = None, None
            return mode

    def _answer(self, path: str, query: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"path": path, "query": query})
        mode = self._next_failure()
        if mode == "slow":
            time.sleep(self.slow_seconds)
        elif mode == "server_error":
            return 500, _error("An unexpected error has occurred. Please retry your request later.",
                               "OAuthException", 2, is_transient=True)  # fmt: skip
        elif mode == "rate_limited":
            return 429, _error(
                "(#4) Application request limit reached", "OAuthException", 4, is_transient=True
            )
        elif mode == "oauth_error":
            return 400, _error("Error validating access token: Session has expired.", "OAuthException", 190)
        leadgen_id = path.strip("/").split("/")[-1]
        token = (query.get("access_token") or [""])[0]
        if self.access_token is not None and token != self.access_token:
            return 400, _error(
                "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190
            )
        with self._lock:
            lead = self.leads.get(leadgen_id)
        if lead is None:
            return 400, _error(
                f"Unsupported get request. Object with ID '{leadgen_id}' does not exist, cannot be loaded "
                "due to missing permissions, or does not support this operation.",
                "GraphMethodException", 100,
            )  # fmt: skip
        wanted = (query.get("fields") or [""])[0].split(",")
        return 200, {
            key: value for key, value in lead.items() if key == "id" or not wanted[0] or key in wanted
        }

    def _handler_class(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                status, payload = stand_in._answer(parts.path, parse_qs(parts.query))
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):  # keep test output quiet
                pass

        return Handler


def _error(message: str, kind: str, code: int, *, is_transient: bool = False) -> dict:
    return {"error": {"message": message, "type": kind, "code": code, "is_transient": is_transient,
                      "fbtrace_id": "AStandInTraceId"}}  # fmt: skip


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Serve a local Graph API lead endpoint stand-in.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--access-token", default=None, help="Require this page access token")
    arguments = parser.parse_args()
    graph = GraphApiStandIn(access_token=arguments.access_token, port=arguments.port)
    graph.add_lead("900000000000001", {"full_name": "Ana Lopez", "email": "ana.lopez@example.com",
                                       "phone_number": "+18135550199", "zip_code": "33602"})  # fmt: skip
    graph.add_lead("900000000000002", {"first_name": "Ben", "last_name": "Okafor", "email": "ben@example.com",
                                       "phone_number": "+14045550123", "zip_code": "30303"})  # fmt: skip
    print(f"Graph API stand-in on {graph.url} (set FIRSTCALL_META_GRAPH_URL={graph.url})", flush=True)
    try:
        graph._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
