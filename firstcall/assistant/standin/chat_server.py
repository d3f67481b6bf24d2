"""A local stand-in for an OpenAI-compatible chat-completions provider, for tests and the demo: it speaks the
same HTTP API (POST /v1/chat/completions) and can be told to answer, fail with 500, or hang until released."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandinChatServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.mode = "answer"  # answer | error | hang
        self.reply = "Hi! Happy to help. When is a good time for a quick call? - Olivia"
        self.requests: list[dict] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                return

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"path": self.path, "body": body, "authorization": self.headers.get("Authorization")}
                )
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                elif server.mode == "error":
                    self._send(500, {"error": {"message": "the model is overloaded"}})
                elif server.mode == "hang":
                    server.release.wait(120)
                    self._send(504, {"error": {"message": "released"}})
                else:
                    self._send(200, {
                        "id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion",
                        "model": body.get("model", ""),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": server.reply}}],
                    })  # fmt: skip

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "StandinChatServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
