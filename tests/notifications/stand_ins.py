"""Loopback stand-ins for the two outside services the channels talk to.

- `SmtpStandIn`: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives,
  with AUTH PLAIN/LOGIN when given a login, and refuses chosen recipients with 550.
- `SmsRuStandIn`: a tiny WSGI app on a thread speaking SMS.ru's `POST /sms/send`
  (form fields `api_id`, `to`, `msg`, `json=1`; the JSON answer with `status` and a status
  per number), which can be "down" (HTTP 503) or refuse a number (207).
Both can be started after the test has already tried them: "the target comes back".
"""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from urllib.parse import parse_qsl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: object  # email.message.EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str | None:
        part = self.message.get_body(("html",))
        return part.get_content() if part else None


@dataclass
class SmtpStandIn:
    port: int = field(default_factory=free_port)
    login: tuple[str, str] | None = None
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    received: list[ReceivedMail] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def url(self, scheme: str = "smtp") -> str:
        credentials = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        # No TLS here: say so, or a login would make the client ask for STARTTLS.
        plain = "?starttls=0" if scheme == "smtp" else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}{plain}"

    # aiosmtpd's handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(ReceivedMail(
            envelope.mail_from, list(envelope.rcpt_tos),
            message_from_bytes(envelope.original_content, policy=policy.default)))
        return "250 Message accepted"

    def _authenticate(self, server, session, envelope, mechanism, data):
        if isinstance(data, LoginPassword) and self.login and \
                (data.login.decode(), data.password.decode()) == self.login:
            self.logins.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> "SmtpStandIn":
        options = {}
        if self.login:
            options = {"authenticator": self._authenticate, "auth_require_tls": False,
                       "auth_required": True}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@dataclass
class SmsRuStandIn:
    api_id: str = "test-api-id"
    port: int = field(default_factory=free_port)
    down: bool = False  # answer HTTP 503, as a provider having a bad minute
    refuse: set[str] = field(default_factory=set)  # numbers (digits) answered 207
    sent: list[dict] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self, environ, start_response):
        request = Request(environ)
        if self.down:
            return Response("Service Unavailable", 503)(environ, start_response)
        if request.method != "POST" or request.path != "/sms/send":
            return Response("not found", 404)(environ, start_response)
        form = dict(parse_qsl(request.get_data(as_text=True)))
        return self._json(self._answer(form))(environ, start_response)

    def _answer(self, form: dict) -> dict:
        if form.get("api_id") != self.api_id:
            return {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
        if not form.get("msg"):
            return {"status": "ERROR", "status_code": 203, "status_text": "Нет текста сообщения"}
        numbers = {}
        for number in form.get("to", "").split(","):
            if number in self.refuse:
                numbers[number] = {"status": "ERROR", "status_code": 207, "status_text":
                                   "На этот номер (или один из номеров) нельзя отправлять "
                                   "сообщения, либо указано более 100 номеров в списке "
                                   "получателей"}
            else:
                self.sent.append(form)
                numbers[number] = {"status": "OK", "status_code": 100,
                                   "sms_id": f"000000-{len(self.sent):08d}"}
        return {"status": "OK", "status_code": 100, "sms": numbers, "balance": 4122.56}

    @staticmethod
    def _json(answer: dict) -> Response:
        return Response(json.dumps(answer, ensure_ascii=False), 200,
                        content_type="application/json")

    def __enter__(self) -> "SmsRuStandIn":
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
