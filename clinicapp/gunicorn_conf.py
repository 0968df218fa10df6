"""Gunicorn settings of the production image: `gunicorn -c python:clinicapp.gunicorn_conf wsgi:app`.

One process (gthread worker, 32 threads): Flask-SocketIO keeps per-client
state in process memory, so every request of one Socket.IO session must reach
the same process; scale with more containers behind a sticky proxy. Each open
WebSocket holds one thread for its whole life. Options given on the command
line override these (the tests bind a loopback port).

Gunicorn refuses an over-long request line or header block before the app
sees it, answering with its own HTML page. The worker below answers those two
refusals (414, 431) in the app's JSON error shape instead. The limits stay in
gunicorn: reading an unbounded line is itself the attack (limit 0, "unlimited",
would buffer whatever a client sends).
"""
from __future__ import annotations

import json

from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from clinicapp.core.error_shape import ERROR_CODES, HTTP_MESSAGES, error_body

bind = "0.0.0.0:8000"
worker_class = "clinicapp.gunicorn_conf.JSONErrorsThreadWorker"
workers = 1
threads = 32
control_socket_disable = True  # gunicorn 27 would open a control socket under $HOME
# No access log: gunicorn's line holds the query string (tokens); the app logs
# one JSON line per request with the path alone (core/logs.py).
accesslog = None
# Bytes; 8190 is gunicorn's ceiling for the request line (and nginx's default buffer).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

REASONS = {414: "URI Too Long", 431: "Request Header Fields Too Large"}


def refusal(status: int, detail: str) -> bytes:
    """A complete HTTP/1.1 answer in the app's error shape; the connection then closes."""
    payload = json.dumps(error_body(detail, ERROR_CODES[status]), ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {REASONS[status]}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "\r\n")
    return head.encode("latin-1") + payload


class JSONErrorsThreadWorker(ThreadWorker):
    """The gthread worker, with gunicorn's 414 and 431 in JSON; other errors as gunicorn
    has them."""

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, LimitRequestLine):
            status = 414
            limit = self.cfg.limit_request_line
            detail = f"{HTTP_MESSAGES[414]}: строка запроса длиннее {limit} байт"
        elif isinstance(exc, LimitRequestHeaders):
            status = 431
            detail = (f"{HTTP_MESSAGES[431]}: не больше {self.cfg.limit_request_fields} полей "
                      f"по {self.cfg.limit_request_field_size} байт")
        else:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            write_nonblock(client, refusal(status, detail))
        except OSError:  # the client has gone: nobody is left to answer
            self.log.debug("Failed to send error message.")
