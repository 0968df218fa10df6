"""Document 001's online payment against the sandbox gateway: create, confirm (never on
the client's word), the bank's signed callback, reconcile-payments, online refunds, and
the organization whose currency is not the rouble."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.billing.models import Invoice, Payment
from clinicapp.billing.providers import sandbox
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from tests.conftest import csrf_token

CREATE, CONFIRM, CALLBACK = ("/api/v1/payment/create", "/api/v1/payment/confirm",
                             "/api/v1/payment/callback")


@pytest.fixture(autouse=True)
def _callbacks_off(app):
    """The sandbox's own callbacks would go to a server that is not running here: the
    tests deliver them themselves (or lose them, for reconcile)."""
    app.config["PAYMENT_SANDBOX_CALLBACKS"] = False
    yield
    app.config["PAYMENT_SANDBOX_CALLBACKS"] = True


def _create(client, desk, appointment, amount=2200, headers=None):
    return client.post(CREATE, headers=headers or desk.patient_headers,
                       json={"appointment_id": appointment.id, "amount": amount})


def _order_id(payment_url: str) -> str:
    return re.search(r"/payment/sandbox/([0-9a-f-]+)", payment_url).group(1)


def _on_bank_page(client, payment_url: str, button: str = "pay"):
    """The payer presses a button on the sandbox's card form (a browser, no sign-in)."""
    order_id = _order_id(payment_url)
    page = client.get(f"/payment/sandbox/{order_id}")
    assert page.status_code == 200
    return client.post(f"/payment/sandbox/{order_id}/{button}",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def _signed_callback(order_id: str, operation: str = "deposited", success: bool = True):
    return sandbox.callback_params(db.session.get(sandbox.SandboxOrder, order_id), operation,
                                   success=success)


def _invoice_of(appointment) -> Invoice:
    invoice = db.session.scalar(db.select(Invoice).where(
        Invoice.appointment_id == appointment.id, Invoice.status != "cancelled"))
    db.session.refresh(invoice)
    return invoice


def test_create_issues_an_invoice_and_reuses_the_pending_payment(client, billing_desk,
                                                                 make_appointment):
    appointment = make_appointment()
    first = _create(client, billing_desk, appointment)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert set(body) >= {"payment_id", "payment_url"} and body["currency"] == "RUB"
    assert "/payment/sandbox/" in body["payment_url"]
    again = _create(client, billing_desk, appointment)
    assert again.status_code == 200
    assert (again.get_json()["payment_id"], again.get_json()["payment_url"]) == (
        body["payment_id"], body["payment_url"])
    assert db.session.scalar(db.select(db.func.count(sandbox.SandboxOrder.id))) == 1
    invoice = _invoice_of(appointment)
    assert invoice.status == "issued" and invoice.pending == Decimal("2200.00")


def test_create_checks_ownership_first_then_the_amount(client, billing_desk, make_appointment,
                                                       make_user, api_login):
    appointment = make_appointment()
    stranger = make_user("patient")
    strange = {"Authorization": "Bearer " + api_login(stranger.email)["access"]}
    assert _create(client, billing_desk, appointment, headers=strange).status_code == 404
    assert client.post(CREATE, headers=billing_desk.patient_headers, json={
        "appointment_id": 999999, "amount": 1}).status_code == 404
    wrong = _create(client, billing_desk, appointment, amount=100)
    assert wrong.status_code == 400
    assert wrong.get_json()["details"]["amount_due"] == "2200.00"
    assert "2" in wrong.get_json()["detail"] and "RUB" in wrong.get_json()["detail"]
    for body, field in [({"amount": 1}, "appointment_id"),
                        ({"appointment_id": appointment.id}, "amount")]:
        response = client.post(CREATE, headers=billing_desk.patient_headers, json=body)
        assert response.status_code == 400 and field in response.get_json()["details"]
    assert client.post(CREATE, json={"appointment_id": appointment.id, "amount": 2200}
                       ).status_code == 401


def test_confirm_asks_the_bank_not_the_client(client, billing_desk, make_appointment):
    appointment = make_appointment()
    created = _create(client, billing_desk, appointment).get_json()
    claim = {"payment_id": created["payment_id"], "status": "success"}
    lie = client.post(CONFIRM, headers=billing_desk.patient_headers, json=claim)
    assert lie.status_code == 200 and lie.get_json()["success"] is False
    assert _invoice_of(appointment).paid == 0
    _on_bank_page(client, created["payment_url"], "decline")
    declined = client.post(CONFIRM, headers=billing_desk.patient_headers, json=claim)
    assert declined.get_json() == {"success": False, "status": "failed",
                                   "payment_status": "unpaid"}
    assert _invoice_of(appointment).paid == 0 and _invoice_of(appointment).pending == 0
    # a new attempt, paid this time
    retry = _create(client, billing_desk, appointment).get_json()
    assert retry["payment_id"] != created["payment_id"]
    redirect = _on_bank_page(client, retry["payment_url"], "pay")
    assert redirect.status_code == 302 and "/payment/return" in redirect.location
    paid = client.post(CONFIRM, headers=billing_desk.patient_headers,
                       json={"payment_id": retry["payment_id"], "status": "неудача"})
    assert paid.get_json() == {"success": True, "status": "succeeded",
                               "payment_status": "paid"}
    assert _invoice_of(appointment).status == "paid"
    mine = client.get("/api/v1/appointments", headers=billing_desk.patient_headers).get_json()
    assert {a["id"]: a["payment_status"] for a in mine}[appointment.id] == "paid"
    # the page the bank sends the payer back to says so
    back = client.get(redirect.location)
    assert back.status_code == 200 and "Оплата прошла" in back.get_data(as_text=True)


def test_confirm_validation_and_ownership(client, billing_desk, make_appointment, make_user,
                                          api_login):
    created = _create(client, billing_desk, make_appointment()).get_json()
    for body, field in [({"status": "success"}, "payment_id"),
                        ({"payment_id": created["payment_id"]}, "status"),
                        ({"payment_id": created["payment_id"], "status": "maybe"}, "status")]:
        response = client.post(CONFIRM, headers=billing_desk.patient_headers, json=body)
        assert response.status_code == 400 and field in response.get_json()["details"]
    assert client.post(CONFIRM, headers=billing_desk.patient_headers, json={
        "payment_id": 999999, "status": "success"}).status_code == 404
    stranger = make_user("patient")
    strange = {"Authorization": "Bearer " + api_login(stranger.email)["access"]}
    assert client.post(CONFIRM, headers=strange, json={
        "payment_id": created["payment_id"], "status": "success"}).status_code == 404


def test_callback_checksum_valid_tampered_missing_and_replayed(client, billing_desk,
                                                               make_appointment):
    appointment = make_appointment()
    created = _create(client, billing_desk, appointment).get_json()
    order_id = _order_id(created["payment_url"])
    _on_bank_page(client, created["payment_url"], "pay")  # its callback is lost (off)
    params = _signed_callback(order_id)
    tampered = {**params, "orderNumber": params["orderNumber"] + "0"}
    missing = {k: v for k, v in params.items() if k != "checksum"}
    for bad in (tampered, missing, {**params, "checksum": params["checksum"].lower()[:-1]}):
        response = client.get(CALLBACK, query_string=bad)
        assert response.status_code == 400 and response.get_json()["error"] == "bad_checksum"
        assert _invoice_of(appointment).paid == 0
    assert client.get(CALLBACK, query_string=params).status_code == 200
    assert _invoice_of(appointment).status == "paid"
    settled = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    replay = client.post(CALLBACK, data=params)  # the bank may POST, and may repeat
    assert replay.status_code == 200
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == settled
    invoice = _invoice_of(appointment)
    assert invoice.paid == Decimal("2200.00") and invoice.pending == 0
    assert db.session.scalar(db.select(db.func.count(Payment.id)).where(
        Payment.invoice_id == invoice.id, Payment.status == "succeeded")) == 1


def test_a_callback_for_an_unknown_order_changes_nothing(client, billing_desk,
                                                         make_appointment):
    created = _create(client, billing_desk, make_appointment()).get_json()
    params = _signed_callback(_order_id(created["payment_url"]))
    order = db.session.get(sandbox.SandboxOrder, params["mdOrder"])
    params = sandbox.callback_params(order, "deposited", success=True)
    params["mdOrder"] = "00000000-0000-0000-0000-000000000000"
    from clinicapp.billing.checksum import sign

    params.pop("checksum")
    params["checksum"] = sign(params, client.application.config["SBER_CALLBACK_KEY"])
    assert client.get(CALLBACK, query_string=params).status_code == 404


def test_reconcile_settles_payments_whose_callback_was_lost(app, client, billing_desk,
                                                            make_appointment):
    paid_one, declined_one, open_one = (make_appointment() for _ in range(3))
    urls = {a.id: _create(client, billing_desk, a).get_json()["payment_url"]
            for a in (paid_one, declined_one, open_one)}
    _on_bank_page(client, urls[paid_one.id], "pay")
    _on_bank_page(client, urls[declined_one.id], "decline")
    result = app.test_cli_runner().invoke(args=["reconcile-payments", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "3" in result.output
    assert _invoice_of(paid_one).status == "paid"
    assert _invoice_of(declined_one).status == "issued"
    assert _invoice_of(declined_one).pending == 0
    assert _invoice_of(open_one).pending == Decimal("2200.00")  # still on the bank's page
    # the bank's order times out: the next run lets the invoice go
    order = db.session.get(sandbox.SandboxOrder, _order_id(urls[open_one.id]))
    order.created_at = order.created_at.replace(year=order.created_at.year - 1)
    db.session.commit()
    app.test_cli_runner().invoke(args=["reconcile-payments", "--older-than", "0"])
    assert _invoice_of(open_one).pending == 0 and _invoice_of(open_one).status == "issued"


def test_online_refund_goes_to_the_bank_and_settles_on_its_word(app, client, billing_desk,
                                                                make_appointment):
    appointment = make_appointment()
    created = _create(client, billing_desk, appointment).get_json()
    _on_bank_page(client, created["payment_url"], "pay")
    client.post(CONFIRM, headers=billing_desk.patient_headers,
                json={"payment_id": created["payment_id"], "status": "success"})
    refund = client.post(f"/api/v1/billing/payments/{created['payment_id']}/refund",
                         headers=billing_desk.headers["manager"],
                         json={"amount": 700, "reason": "Часть услуги не оказана"})
    assert refund.status_code == 201, refund.get_json()
    assert refund.get_json()["status"] == "pending"
    assert _invoice_of(appointment).paid == Decimal("2200.00")  # until the bank says so
    order_id = _order_id(created["payment_url"])
    assert client.get(CALLBACK, query_string=_signed_callback(
        order_id, "refunded")).status_code == 200
    invoice = _invoice_of(appointment)
    assert invoice.paid == Decimal("1500.00") and invoice.status == "paid"
    assert invoice.refunded == Decimal("700.00") and invoice.due == 0
    assert db.session.get(sandbox.SandboxOrder, order_id).refunded == Decimal("700.00")


def test_an_organization_in_tenge_is_not_offered_sber(client, billing_desk, make_appointment):
    kzt = Organization(name="ТОО Клиника Алматы", currency="KZT")
    almaty = Clinic(organization=kzt, name="Алматы", timezone="Asia/Almaty")
    db.session.add(almaty)
    db.session.flush()
    appointment = make_appointment()
    appointment.clinic_id = almaty.id
    billing_desk.service.clinics.append(almaty)
    db.session.commit()
    response = _create(client, billing_desk, appointment)
    assert response.status_code == 400
    assert response.get_json()["error"] == "currency_not_supported"
    assert "KZT" in response.get_json()["detail"]
    invoice = db.session.scalar(db.select(Invoice).where(Invoice.appointment_id == appointment.id))
    assert invoice is None  # one transaction per request: nothing half-written
    # the desk takes tenge as it takes roubles, and the invoice says KZT
    from clinicapp.billing.invoices import create_invoice

    written = create_invoice(None, appointment, issue=True)
    db.session.commit()
    assert written.currency == "KZT" and written.number.startswith("INV-")


def test_without_a_bank_or_the_sandbox_online_payment_is_refused(app, client, billing_desk,
                                                                 make_appointment):
    """A production install with no acquiring contract (PAYMENT_SANDBOX=0): no page that
    takes no money, and payment/create says so without writing anything."""
    created = _create(client, billing_desk, make_appointment()).get_json()
    app.config["PAYMENT_SANDBOX"] = False
    try:
        appointment = make_appointment()
        refused = _create(client, billing_desk, appointment)
        assert refused.status_code == 503
        assert refused.get_json()["error"] == "online_payment_unavailable"
        assert db.session.scalar(db.select(Invoice).where(
            Invoice.appointment_id == appointment.id)) is None
        order_id = _order_id(created["payment_url"])
        assert client.get(f"/payment/sandbox/{order_id}").status_code == 404
    finally:
        app.config["PAYMENT_SANDBOX"] = True


def test_a_cancelled_appointment_is_not_paid_online(client, billing_desk, make_appointment):
    appointment = make_appointment()
    appointment.status = "cancelled"
    db.session.commit()
    refused = _create(client, billing_desk, appointment)
    assert refused.status_code == 409 and refused.get_json()["error"] == "appointment_cancelled"
    assert db.session.scalar(db.select(Invoice).where(
        Invoice.appointment_id == appointment.id)) is None
    assert db.session.scalar(db.select(db.func.count(sandbox.SandboxOrder.id))) == 0


def test_the_receipt_sent_to_the_bank_adds_up_to_what_is_charged(client, billing_desk,
                                                                 make_appointment):
    """After part of it was paid at the desk, the order is for the rest, and its 54-FZ
    receipt (one item for the remainder) adds up to it: the bank refuses one that does not."""
    from clinicapp.billing.invoices import invoice_to_pay
    from clinicapp.billing.online import receipt_lines
    from clinicapp.billing.payments import record_payment

    appointment = make_appointment()
    invoice = invoice_to_pay(None, appointment)
    assert [(line.name, line.amount) for line in receipt_lines(invoice, invoice.total)] == [
        ("Приём терапевта", Decimal("2200.00"))]
    record_payment(None, invoice, method="cash", amount=Decimal("1000.00"))
    db.session.commit()
    created = _create(client, billing_desk, appointment, amount=1200)
    assert created.status_code == 200, created.get_json()
    [item] = receipt_lines(invoice, Decimal("1200.00"))
    assert (item.amount, item.unit_price, item.quantity) == (Decimal("1200.00"),
                                                             Decimal("1200.00"), 1)
    assert invoice.number in item.name


def test_a_sandbox_payment_stays_the_sandboxs_after_the_bank_is_configured(
        app, client, billing_desk, make_appointment):
    """A demo install's payment under way when Sber's credentials arrive is still asked of
    the sandbox that registered it (the bank has never heard of it)."""
    created = _create(client, billing_desk, make_appointment()).get_json()
    _on_bank_page(client, created["payment_url"], "pay")
    saved = {name: app.config[name] for name in ("SBER_USERNAME", "SBER_PASSWORD",
                                                 "SBER_BASE_URL")}
    app.config.update(SBER_USERNAME="clinic-api", SBER_PASSWORD="secret",
                      SBER_BASE_URL="http://127.0.0.1:9/payment/rest/")  # nobody listens
    try:
        confirmed = client.post(CONFIRM, headers=billing_desk.patient_headers,
                                json={"payment_id": created["payment_id"], "status": "success"})
    finally:
        app.config.update(saved)
    assert confirmed.status_code == 200 and confirmed.get_json()["success"] is True


def test_staff_who_take_no_payments_do_not_confirm_them(client, billing_desk,
                                                        make_appointment):
    created = _create(client, billing_desk, make_appointment()).get_json()
    body = {"payment_id": created["payment_id"], "status": "success"}
    assert client.post(CONFIRM, headers=billing_desk.headers["doctor"], json=body
                       ).status_code == 403
    assert client.post(CONFIRM, headers=billing_desk.headers["cashier"], json=body
                       ).status_code == 200
