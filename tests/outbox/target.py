"""A loopback HTTP target for outbox tests: records what it receives, can answer 503.

It stands for any partner endpoint an outbox handler posts JSON to; the topic
`tests.http` (registered by the `http_topic` fixture) posts each job's payload here
with the same `requests` calls the real handlers make.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class HttpTarget:
    received: list[dict] = field(default_factory=list)
    failing: bool = False  # answer 503 Service Unavailable

    def __enter__(self) -> "HttpTarget":
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if target.failing:
                    self.send_response(503)
                    self.end_headers()
                    return
                target.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
