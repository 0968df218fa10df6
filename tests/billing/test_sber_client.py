"""The real Sberbank REST client (SberGateway) against a loopback stub of the protocol:
what it sends (form-encoded, kopecks, the 54-FZ orderBundle), how it reads the bank's
answers, and that every failure is a GatewayError a person can read."""
from __future__ import annotations

import json
import logging
import socket
from decimal import Decimal

import pytest

from clinicapp.billing.providers import current_gateway, sber
from clinicapp.billing.providers.base import GatewayError, ReceiptLine
from clinicapp.billing.providers.sandbox import SandboxGateway
from clinicapp.billing.providers.sber import SberGateway

from .sber_stub import SberStub

ORDER = dict(description="Приём терапевта, Иванова А. П.",
             return_url="https://clinic.test/payment/done",
             fail_url="https://clinic.test/payment/failed",
             callback_url="https://clinic.test/api/v1/payment/callback")
LINES = [ReceiptLine(name="Приём терапевта", quantity=Decimal("1"),
                     unit_price=Decimal("1200.50"), amount=Decimal("1200.50"), code="T-01"),
         ReceiptLine(name="Анализ крови", quantity=Decimal("2"), unit_price=Decimal("150.00"),
                     amount=Decimal("300.00"), code="LAB-7")]


@pytest.fixture
def bank():
    with SberStub(username="clinic-api", password="s3cret-pass") as stub:
        yield stub


@pytest.fixture
def gateway(app, bank):
    return SberGateway(base_url=bank.base_url, username="clinic-api", password="s3cret-pass",
                       order_timeout_minutes=20)


def register(gateway, number="INV-2026-000123-1", amount=Decimal("1500.50"), **extra):
    return gateway.register(order_number=number, amount=amount, currency="RUB",
                            **{**ORDER, "lines": LINES, **extra})


def test_register_sends_kopecks_and_the_receipt_and_returns_the_form(gateway, bank):
    registered = register(gateway)

    assert registered.order_id in bank.orders
    assert registered.form_url.endswith(f"mdOrder={registered.order_id}")
    [request] = bank.requests
    assert request.method == "register.do"
    assert request.content_type.startswith("application/x-www-form-urlencoded")
    sent = request.fields
    assert sent["userName"] == "clinic-api" and sent["password"] == "s3cret-pass"
    assert sent["orderNumber"] == "INV-2026-000123-1"
    assert sent["amount"] == "150050"
    assert sent["currency"] == "643"
    assert sent["returnUrl"] == ORDER["return_url"] and sent["failUrl"] == ORDER["fail_url"]
    assert sent["description"] == ORDER["description"]
    assert sent["dynamicCallbackUrl"] == ORDER["callback_url"]
    assert sent["sessionTimeoutSecs"] == "1200"
    items = json.loads(sent["orderBundle"])["cartItems"]["items"]
    assert [(i["positionId"], i["name"], i["quantity"]["value"], i["itemPrice"],
             i["itemAmount"], i["itemCode"]) for i in items] == [
        ("1", "Приём терапевта", 1, 120050, 120050, "T-01"),
        ("2", "Анализ крови", 2, 15000, 30000, "LAB-7")]
    assert all(i["tax"] == {"taxType": 0} for i in items)


@pytest.mark.parametrize(("amount", "kopecks"), [
    (Decimal("0.29"), "29"),  # float(0.29) * 100 is 28.999…
    (Decimal("19999.99"), "1999999"),
    (Decimal("1"), "100"),
    (Decimal("9999999999.99"), "999999999999"),  # the largest NUMERIC(12, 2)
])
def test_amounts_become_kopecks_exactly(gateway, bank, amount, kopecks):
    register(gateway, amount=amount, lines=[])
    assert bank.sent("register.do")[-1]["amount"] == kopecks
    assert "orderBundle" not in bank.sent("register.do")[-1]


def test_a_fraction_of_a_kopeck_is_a_bug_not_a_rounding(gateway, bank):
    with pytest.raises(ValueError):
        register(gateway, amount=Decimal("10.005"))
    assert bank.requests == []


@pytest.mark.parametrize("currency", ["KZT", "UZS", "USD", ""])
def test_only_roubles_are_sent_to_the_bank(gateway, bank, currency):
    with pytest.raises(GatewayError, match="только в рублях"):
        gateway.register(order_number="N-1", amount=Decimal("100"), currency=currency,
                         lines=[], **ORDER)
    assert bank.requests == []


def test_status_maps_the_bank_answer(gateway, bank):
    order_id = register(gateway).order_id

    state = gateway.status(order_id)
    assert (state.order_status, state.amount, state.refunded, state.order_number,
            state.error_code) == (0, Decimal("1500.50"), Decimal("0.00"), "INV-2026-000123-1",
                                  "0")
    assert not state.paid and not state.failed
    assert bank.sent("getOrderStatusExtended.do")[-1]["orderId"] == order_id

    for status, paid, failed in [(1, True, False), (2, True, False), (3, False, True),
                                 (4, False, False), (5, False, False), (6, False, True)]:
        bank.set_status(order_id, status)
        state = gateway.status(order_id)
        assert (state.order_status, state.paid, state.failed) == (status, paid, failed)


def test_status_of_an_order_the_bank_does_not_know(gateway):
    state = gateway.status("00000000-0000-0000-0000-000000000000")
    assert state.order_status is None and state.error_code == "6"
    assert not state.paid and not state.failed


def test_refund_in_kopecks_partial_then_the_rest(gateway, bank):
    order_id = register(gateway).order_id
    bank.set_status(order_id, 2)

    gateway.refund(order_id, Decimal("500.25"))
    assert bank.sent("refund.do")[-1] == {"userName": "clinic-api", "password": "s3cret-pass",
                                          "language": "ru", "orderId": order_id,
                                          "amount": "50025"}
    state = gateway.status(order_id)
    assert state.refunded == Decimal("500.25") and state.paid

    with pytest.raises(GatewayError) as refused:
        gateway.refund(order_id, Decimal("1000.26"))
    assert str(refused.value) == "Сумма возврата превышает сумму списания"
    assert refused.value.code == "7"

    gateway.refund(order_id, Decimal("1000.25"))
    state = gateway.status(order_id)
    assert state.order_status == 4 and state.refunded == Decimal("1500.50")


def test_a_bank_error_code_is_a_gateway_error_with_its_message(gateway, bank):
    bank.refuse_next("1", "Заказ с таким номером уже обработан")
    with pytest.raises(GatewayError) as refused:
        register(gateway)
    assert str(refused.value) == "Заказ с таким номером уже обработан"
    assert refused.value.code == "1"

    bank.refuse_next("7", "")  # no message: ours, naming the code
    with pytest.raises(GatewayError, match="код 7") as refused:
        gateway.status("any")
    assert refused.value.code == "7"


def test_wrong_credentials_are_refused_and_the_password_never_logged(app, bank, caplog):
    caplog.set_level(logging.DEBUG)
    gateway = SberGateway(base_url=bank.base_url, username="clinic-api", password="wrong-pw-42")
    with pytest.raises(GatewayError) as refused:
        register(gateway)
    assert refused.value.code == "5" and str(refused.value) == "Доступ запрещён."
    assert "wrong-pw-42" not in caplog.text
    assert "wrong-pw-42" not in str(refused.value) and "wrong-pw-42" not in repr(gateway)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bank_down_is_a_gateway_error(app, caplog):
    caplog.set_level(logging.DEBUG)
    gateway = SberGateway(base_url=f"http://127.0.0.1:{_closed_port()}/payment/rest/",
                          username="clinic-api", password="s3cret-pass")
    for call in (lambda: register(gateway), lambda: gateway.status("x"),
                 lambda: gateway.refund("x", Decimal("1"))):
        with pytest.raises(GatewayError, match="Банк не отвечает") as refused:
            call()
        assert refused.value.code is None
    assert "s3cret-pass" not in caplog.text


def test_a_slow_bank_times_out(gateway, bank, monkeypatch):
    monkeypatch.setattr(sber, "TIMEOUT", (1, 0.3))  # the real 15 s read timeout, shortened
    bank.delay = 1.0
    with pytest.raises(GatewayError, match="Банк не отвечает"):
        gateway.status("x")


def test_a_bank_answer_that_is_not_the_protocol_is_a_gateway_error(app, bank):
    gateway = SberGateway(base_url=bank.base_url.replace("/rest/", "/other/"),
                          username="clinic-api", password="s3cret-pass")
    with pytest.raises(GatewayError, match="Банк не отвечает"):
        gateway.status("x")  # a 404 page, not the bank's JSON


def test_current_gateway_is_the_bank_with_credentials_else_the_sandbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "SBER_USERNAME", "")
    assert isinstance(current_gateway(), SandboxGateway)
    assert current_gateway().name == "sandbox"
    monkeypatch.setitem(app.config, "SBER_USERNAME", "clinic-api")
    monkeypatch.setitem(app.config, "SBER_PASSWORD", "s3cret-pass")
    gateway = current_gateway()
    assert isinstance(gateway, SberGateway) and gateway.name == "sber"
    assert gateway.base_url == app.config["SBER_BASE_URL"]
    assert gateway.base_url == "https://3dsec.sberbank.ru/payment/rest/"  # the test bank
