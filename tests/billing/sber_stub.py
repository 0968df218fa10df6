"""A loopback stub of Sberbank's acquiring REST protocol, for testing the real client.

A threaded http.server on 127.0.0.1 answering `register.do`, `getOrderStatusExtended.do`
and `refund.do` under `/payment/rest/` as the bank does: form-encoded POSTs, JSON
answers, the bank's error shapes (`errorCode` ≠ 0 with `errorMessage`). Orders are kept
in memory. Tests read what was sent (`requests`), move an order along (`set_status`),
make the bank refuse the next call (`refuse_next`) or answer slowly (`delay`).

    with SberStub(username="u", password="p") as bank:
        gateway = SberGateway(base_url=bank.base_url, username="u", password="p")
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

PREFIX = "/payment/rest/"


@dataclass
class StubOrder:
    order_id: str
    order_number: str
    amount: int  # kopecks
    currency: str
    fields: dict[str, str]
    status: int = 0
    refunded: int = 0


@dataclass
class SentRequest:
    method: str  # "register.do", …
    fields: dict[str, str]
    content_type: str


@dataclass
class SberStub:
    username: str = "clinic-api"
    password: str = "s3cret-pass"
    orders: dict[str, StubOrder] = field(default_factory=dict)
    requests: list[SentRequest] = field(default_factory=list)
    delay: float = 0.0  # seconds before each answer (a slow bank)
    _refusals: list[tuple[str, str]] = field(default_factory=list)

    # --- the test's handles ----------------------------------------------------

    def __enter__(self) -> "SberStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                status, answer = stub.answer(self.path, dict(parse_qsl(body)),
                                             self.headers.get("Content-Type", ""))
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX}"

    def set_status(self, order_id: str, status: int) -> None:
        self.orders[order_id].status = status

    def refuse_next(self, code: str, message: str) -> None:
        """The next call (whatever it is) gets `{"errorCode": code, "errorMessage": message}`."""
        self._refusals.append((code, message))

    def sent(self, method: str) -> list[dict[str, str]]:
        return [r.fields for r in self.requests if r.method == method]

    # --- the protocol ----------------------------------------------------------

    def answer(self, path: str, fields: dict[str, str], content_type: str) -> tuple[int, dict]:
        if self.delay:
            time.sleep(self.delay)
        if not path.startswith(PREFIX):
            return 404, {"error": "not found"}
        method = path[len(PREFIX):]
        self.requests.append(SentRequest(method, fields, content_type))
        if fields.get("userName") != self.username or fields.get("password") != self.password:
            return 200, _error("5", "Доступ запрещён.")
        if self._refusals:
            return 200, _error(*self._refusals.pop(0))
        handler = {"register.do": self._register,
                   "getOrderStatusExtended.do": self._status,
                   "refund.do": self._refund}.get(method)
        if handler is None:
            return 404, {"error": "unknown method"}
        return 200, handler(fields)

    def _register(self, fields: dict[str, str]) -> dict:
        number = fields.get("orderNumber", "")
        if not number or not fields.get("returnUrl") or not fields.get("amount", "").isdigit():
            return _error("3", "Неверные параметры запроса.")
        if any(o.order_number == number for o in self.orders.values()):
            return _error("1", "Заказ с таким номером уже обработан")
        if fields.get("currency", "643") != "643":
            return _error("3", "Неизвестная валюта")
        order = StubOrder(str(uuid.uuid4()), number, int(fields["amount"]),
                          fields.get("currency", "643"), fields)
        self.orders[order.order_id] = order
        # Success: no errorCode at all, as the bank answers register.do.
        return {"orderId": order.order_id,
                "formUrl": f"{self.base_url.rsplit('/rest/', 1)[0]}/merchants/test/"
                           f"payment_ru.html?mdOrder={order.order_id}"}

    def _status(self, fields: dict[str, str]) -> dict:
        order = self.orders.get(fields.get("orderId", ""))
        if order is None:
            return _error("6", "Заказ не найден")
        charged = order.amount if order.status in (1, 2, 4) else 0
        return {
            "errorCode": "0", "errorMessage": "Успешно",
            "orderNumber": order.order_number, "orderStatus": order.status,
            "actionCode": 0, "actionCodeDescription": "",
            "amount": order.amount, "currency": order.currency,
            "date": int(time.time() * 1000),
            "paymentAmountInfo": {"paymentState": _STATES.get(order.status, "CREATED"),
                                  "approvedAmount": charged,
                                  "depositedAmount": charged if order.status != 1 else 0,
                                  "refundedAmount": order.refunded},
        }

    def _refund(self, fields: dict[str, str]) -> dict:
        order = self.orders.get(fields.get("orderId", ""))
        if order is None:
            return _error("6", "Незарегистрированный orderId")
        amount = int(fields.get("amount") or 0)
        if order.status not in (2, 4):
            return _error("7", "Платёж должен быть в корректном состоянии")
        if amount <= 0 or amount > order.amount - order.refunded:
            return _error("7", "Сумма возврата превышает сумму списания")
        order.refunded += amount
        if order.refunded == order.amount:
            order.status = 4
        return {"errorCode": "0", "errorMessage": "Успешно"}


_STATES = {0: "CREATED", 1: "APPROVED", 2: "DEPOSITED", 3: "REVERSED", 4: "REFUNDED",
           6: "DECLINED"}


def _error(code: str, message: str) -> dict:
    return {"errorCode": code, "errorMessage": message}
