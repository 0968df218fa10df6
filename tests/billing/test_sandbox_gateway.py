"""The sandbox gateway: the bank's semantics over `sandbox_orders`, its card page, and the
signed callbacks it sends to a real HTTP receiver on a loopback port after the commit."""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from clinicapp.billing.checksum import verify
from clinicapp.billing.providers.base import GatewayError, ReceiptLine
from clinicapp.billing.providers.sandbox import SandboxGateway, SandboxOrder
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from tests.conftest import csrf_token

RETURN_URL = "https://clinic.test/payment/return?visit=7"
FAIL_URL = "https://clinic.test/payment/failed"
LINES = [ReceiptLine(name="Приём терапевта", quantity=Decimal("1"),
                     unit_price=Decimal("1500.50"), amount=Decimal("1500.50"), code="T-01")]
QUIET = 1.0  # seconds to wait for a callback that must not come


class Receiver:
    """A loopback HTTP server that stands for our callback endpoint: each GET's query
    lands in `calls`."""

    def __init__(self, delay: float = 0.0):
        calls = self.calls = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                time.sleep(delay)
                calls.put(dict(parse_qsl(urlsplit(self.path).query)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/payment/callback"

    def next(self, timeout: float = 10) -> dict:
        return self.calls.get(timeout=timeout)

    def nothing_more(self) -> bool:
        try:
            self.calls.get(timeout=QUIET)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def gateway(app):
    return SandboxGateway()


@pytest.fixture
def register(app, gateway, receiver):
    numbers = iter(range(1, 1000))

    def register(amount=Decimal("1500.50"), currency="RUB", number=None, callback_url=None):
        with app.test_request_context():
            registered = gateway.register(
                order_number=number or f"INV-2026-000123-{next(numbers)}", amount=amount,
                currency=currency, description="Приём терапевта", return_url=RETURN_URL,
                fail_url=FAIL_URL, callback_url=callback_url or receiver.url, lines=LINES)
        db.session.commit()
        return registered

    return register


def page_path(registered) -> str:
    return urlsplit(registered.form_url).path


def press(client, registered, button: str):
    """Open the card page and press «Оплатить» (pay) or «Отказаться» (decline)."""
    html = client.get(page_path(registered)).get_data(as_text=True)
    return client.post(f"{page_path(registered)}/{button}", data={"csrf_token": csrf_token(html)})


def test_register_gives_the_card_page_with_the_amount(client, register):
    registered = register()
    assert registered.form_url == f"http://localhost/payment/sandbox/{registered.order_id}"

    page = client.get(page_path(registered))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1\u00a0500,50&nbsp;RUB" in html
    assert "Приём терапевта" in html and "INV-2026-000123-1" in html
    assert "Тестовая оплата — деньги не списываются" in html
    assert "4111 1111 1111 1111" in html
    assert "Оплатить" in html and "Отказаться" in html
    assert 'name="csrf_token"' in html


def test_pay_sends_a_signed_callback_and_returns_the_browser(app, client, register, gateway,
                                                             receiver):
    registered = register()

    response = press(client, registered, "pay")

    assert response.status_code == 302
    assert response.location == f"{RETURN_URL}&orderId={registered.order_id}"
    callback = receiver.next()
    assert verify(callback, app.config["SBER_CALLBACK_KEY"])
    assert {k: v for k, v in callback.items() if k != "checksum"} == {
        "mdOrder": registered.order_id, "orderNumber": "INV-2026-000123-1",
        "operation": "deposited", "status": "1"}
    state = gateway.status(registered.order_id)
    assert state.paid and state.order_status == 2 and state.amount == Decimal("1500.50")
    assert receiver.nothing_more()


def test_decline_sends_an_unsuccessful_deposit_and_goes_to_fail_url(app, client, register,
                                                                    gateway, receiver):
    registered = register()

    response = press(client, registered, "decline")

    assert response.location == f"{FAIL_URL}?orderId={registered.order_id}"
    callback = receiver.next()
    assert verify(callback, app.config["SBER_CALLBACK_KEY"])
    assert (callback["operation"], callback["status"]) == ("deposited", "0")
    state = gateway.status(registered.order_id)
    assert state.failed and state.order_status == 6


def test_a_settled_order_shows_its_result_and_a_second_click_changes_nothing(
        client, register, receiver):
    registered = register()
    html = client.get(page_path(registered)).get_data(as_text=True)
    press(client, registered, "pay")
    receiver.next()

    page = client.get(page_path(registered)).get_data(as_text=True)
    assert "Заказ оплачен." in page and "Оплатить" not in page
    assert f"{RETURN_URL}&amp;orderId={registered.order_id}" in page

    again = client.post(f"{page_path(registered)}/decline", data={"csrf_token": csrf_token(html)})
    assert again.status_code == 302 and again.location == page_path(registered)
    assert db.session.get(SandboxOrder, registered.order_id).status == 2
    assert receiver.nothing_more()


def test_pay_without_the_csrf_token_is_refused(client, register, receiver):
    registered = register()
    response = client.post(f"{page_path(registered)}/pay")
    assert response.status_code == 400
    assert db.session.get(SandboxOrder, registered.order_id).status == 0
    assert receiver.nothing_more()


def test_callbacks_off_the_order_is_paid_but_nobody_is_told(app, client, register, gateway,
                                                            receiver, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_SANDBOX_CALLBACKS", False)
    registered = register()

    response = press(client, registered, "pay")

    assert response.location.startswith(RETURN_URL)
    assert receiver.nothing_more()
    assert gateway.status(registered.order_id).paid  # reconcile-payments finds it so


def test_an_order_unpaid_past_the_timeout_is_declined(app, client, register, gateway, receiver):
    registered = register()
    order = db.session.get(SandboxOrder, registered.order_id)
    html = client.get(page_path(registered)).get_data(as_text=True)
    minutes = app.config["SBER_ORDER_TIMEOUT_MINUTES"]
    order.created_at = utcnow() - timedelta(minutes=minutes, seconds=1)
    db.session.commit()

    page = client.get(page_path(registered)).get_data(as_text=True)
    assert "Время на оплату истекло" in page and "Оплатить" not in page
    state = gateway.status(registered.order_id)
    assert state.order_status == 6 and state.failed
    db.session.commit()

    late = client.post(f"{page_path(registered)}/pay", data={"csrf_token": csrf_token(html)})
    assert late.location == f"{FAIL_URL}?orderId={registered.order_id}"
    assert db.session.get(SandboxOrder, registered.order_id).status == 6
    assert receiver.nothing_more()


def test_a_late_click_on_an_expired_order_is_a_timeout_callback(app, client, register,
                                                                 receiver):
    registered = register()
    html = client.get(page_path(registered)).get_data(as_text=True)
    order = db.session.get(SandboxOrder, registered.order_id)
    order.created_at = utcnow() - timedelta(minutes=app.config["SBER_ORDER_TIMEOUT_MINUTES"] + 1)
    db.session.commit()

    late = client.post(f"{page_path(registered)}/pay", data={"csrf_token": csrf_token(html)})

    assert late.location == f"{FAIL_URL}?orderId={registered.order_id}"
    callback = receiver.next()
    assert (callback["operation"], callback["status"]) == ("declinedByTimeout", "1")
    assert verify(callback, app.config["SBER_CALLBACK_KEY"])


def test_refunds_partial_then_full_each_with_a_callback(app, client, register, gateway,
                                                        receiver):
    registered = register()
    press(client, registered, "pay")
    receiver.next()

    gateway.refund(registered.order_id, Decimal("500.50"))
    db.session.commit()
    callback = receiver.next()
    assert verify(callback, app.config["SBER_CALLBACK_KEY"])
    assert (callback["operation"], callback["status"]) == ("refunded", "1")
    state = gateway.status(registered.order_id)
    assert (state.order_status, state.refunded, state.paid) == (2, Decimal("500.50"), True)

    with pytest.raises(GatewayError, match="1\u00a0000,00") as refused:
        gateway.refund(registered.order_id, Decimal("1000.01"))
    assert refused.value.code == "7"

    gateway.refund(registered.order_id, Decimal("1000.00"))
    db.session.commit()
    assert receiver.next()["operation"] == "refunded"
    state = gateway.status(registered.order_id)
    assert (state.order_status, state.refunded) == (4, Decimal("1500.50"))
    with pytest.raises(GatewayError):
        gateway.refund(registered.order_id, Decimal("0.01"))


def test_a_refund_rolled_back_sends_nothing_and_an_unpaid_order_has_nothing_to_refund(
        client, register, gateway, receiver):
    registered = register()
    with pytest.raises(GatewayError, match="не оплачен"):
        gateway.refund(registered.order_id, Decimal("1"))
    press(client, registered, "pay")
    receiver.next()

    gateway.refund(registered.order_id, Decimal("100"))
    db.session.rollback()

    assert receiver.nothing_more()
    assert gateway.status(registered.order_id).refunded == Decimal("0.00")


def test_an_unknown_order(client, register, gateway):
    html = client.get(page_path(register())).get_data(as_text=True)
    assert client.get("/payment/sandbox/no-such-order").status_code == 404
    missing = client.post("/payment/sandbox/no-such-order/pay",
                          data={"csrf_token": csrf_token(html)})
    assert missing.status_code == 404
    state = gateway.status("no-such-order")
    assert state.order_status is None and state.error_code == "6"
    with pytest.raises(GatewayError) as refused:
        gateway.refund("no-such-order", Decimal("1"))
    assert refused.value.code == "6"


def test_like_the_bank_only_roubles_and_each_order_number_once(register):
    with pytest.raises(GatewayError, match="только в рублях"):
        register(currency="KZT")
    register(number="INV-1")
    with pytest.raises(GatewayError) as refused:
        register(number="INV-1")
    assert refused.value.code == "1"
    with pytest.raises(GatewayError):
        register(amount=Decimal("0"))
    assert db.session.scalar(db.select(db.func.count()).select_from(SandboxOrder)) == 1



def test_a_slow_receiver_never_holds_the_page(client, register):
    slow = Receiver(delay=3)
    try:
        registered = register(callback_url=slow.url)
        html = client.get(page_path(registered)).get_data(as_text=True)
        started = time.monotonic()
        response = client.post(f"{page_path(registered)}/pay",
                               data={"csrf_token": csrf_token(html)})
        assert response.status_code == 302 and time.monotonic() - started < 2
        assert slow.next()["operation"] == "deposited"  # it arrives, later
    finally:
        slow.server.shutdown()
        slow.server.server_close()


def test_a_failed_delivery_is_logged_without_personal_data(client, register, caplog):
    caplog.set_level(logging.INFO, logger="clinicapp.billing.sandbox")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    registered = register(number="INV-2026-000777-1",
                          callback_url=f"http://127.0.0.1:{closed}/cb?patient=Иванова")
    press(client, registered, "pay")

    deadline = time.monotonic() + 10
    while not [r for r in caplog.records if r.name == "clinicapp.billing.sandbox"]:
        assert time.monotonic() < deadline, "no log line about the failed callback"
        time.sleep(0.05)
    [record] = [r for r in caplog.records if r.name == "clinicapp.billing.sandbox"]
    assert record.levelname == "WARNING" and record.getMessage() == "sandbox callback not delivered"
    assert record.order_id == registered.order_id and record.operation == "deposited"
    logged = repr(record.__dict__)
    assert "Иванова" not in logged and "INV-2026-000777-1" not in logged and "cb?" not in logged
