"""Document 002's billing endpoints: invoices for visits, payments at the desk, refunds,
and the appointment's derived payment_status — through HTTP, checked in the database."""
from __future__ import annotations

from decimal import Decimal

from clinicapp.audit.models import AuditEntry
from clinicapp.billing.models import Invoice, Payment
from clinicapp.extensions import db

INVOICES, PAYMENTS = "/api/v1/billing/invoices", "/api/v1/billing/payments"


def _appointment_json(client, desk, appointment_id):
    response = client.get(f"/api/v1/calendar/appointments/{appointment_id}",
                          headers=desk.headers["receptionist"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _pay(client, desk, invoice_id, amount, method="cash", role="cashier", **extra):
    return client.post(PAYMENTS, headers=desk.headers[role],
                       json={"invoice": invoice_id, "method": method, "amount": amount, **extra})


def test_a_finished_visit_leaves_a_draft_with_its_service_at_the_price(
        client, billing_desk, finished_visit):
    visit = finished_visit()
    invoice = db.session.scalar(db.select(Invoice).where(
        Invoice.appointment_id == visit["appointment"]))
    assert invoice.status == "draft" and invoice.visit_id == visit["id"]
    assert [(line.name, line.unit_price, line.quantity) for line in invoice.lines] == [
        ("Приём терапевта", Decimal("2200.00"), 1)]
    assert invoice.total == Decimal("2200.00") and invoice.currency == "RUB"
    assert invoice.number.startswith("INV-") and len(invoice.number) == len("INV-2026-000001")


def test_bare_amount_invoice_has_one_line_priced_to_the_amount(client, billing_desk,
                                                               finished_visit):
    visit = finished_visit()
    response = client.post(INVOICES, headers=billing_desk.headers["receptionist"],
                           json={"visit": visit["id"], "amount": 50000})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["amount"] == 50000 and body["total"] == 50000 and body["due"] == 50000
    assert body["status"] == "issued" and body["payment_status"] == "unpaid"
    assert body["currency"] == "RUB" and body["visit"] == visit["id"]
    assert [(line["name"], line["unit_price"], line["quantity"]) for line in body["lines"]] == [
        ("Приём терапевта", 50000, 1)]


def test_lines_are_priced_with_quantity_and_discount(client, billing_desk, finished_visit):
    visit = finished_visit()
    response = client.post(INVOICES, headers=billing_desk.headers["doctor"], json={
        "visit": visit["id"], "lines": [
            {"service": billing_desk.service.id, "quantity": 2, "discount_percent": 10},
            {"name": "Анализ крови", "unit_price": 450.5}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # 2200 × 2 − 10 % = 3960; plus 450.50
    assert [line["amount"] for line in body["lines"]] == [3960, 450.5]
    assert body["total"] == 4410.5


def test_lines_that_disagree_with_the_amount_are_refused_and_nothing_changes(
        client, billing_desk, finished_visit):
    visit = finished_visit()
    response = client.post(INVOICES, headers=billing_desk.headers["receptionist"], json={
        "visit": visit["id"], "amount": 1000,
        "lines": [{"service": billing_desk.service.id}]})
    assert response.status_code == 400
    body = response.get_json()
    assert "amount" in body["details"] and "1000" in body["detail"].replace("\u00a0", "")
    invoice = db.session.scalar(db.select(Invoice).where(
        Invoice.appointment_id == visit["appointment"]))
    db.session.refresh(invoice)
    assert invoice.status == "draft" and invoice.total == Decimal("2200.00")


def test_bad_invoice_input_names_the_field(client, billing_desk, finished_visit):
    visit = finished_visit()
    headers = billing_desk.headers["receptionist"]
    cases = [({"visit": visit["id"]}, "amount"),
             ({"amount": 100}, "visit"),
             ({"visit": visit["id"], "amount": "много"}, "amount"),
             ({"visit": visit["id"], "amount": 10.555}, "amount"),
             ({"visit": visit["id"], "lines": [{"quantity": 0, "name": "x", "unit_price": 1}]},
              "lines"),
             ({"visit": visit["id"], "lines": [{"service": 999999}]}, "lines[0].service")]
    for body, field in cases:
        response = client.post(INVOICES, headers=headers, json=body)
        assert response.status_code == 400, (body, response.get_json())
        assert field in response.get_json()["details"], (body, response.get_json())
    assert client.post(INVOICES, headers=headers, json={"visit": 999999, "amount": 1}
                       ).status_code == 404


def test_an_issued_invoice_is_not_written_twice(client, billing_desk, api_invoice):
    invoice = api_invoice()
    response = client.post(INVOICES, headers=billing_desk.headers["receptionist"],
                           json={"visit": invoice["visit"], "amount": 10})
    assert response.status_code == 409
    assert response.get_json()["error"] == "invoice_exists"


def test_split_payment_to_paid_and_the_appointment_shows_it(client, billing_desk,
                                                            api_invoice):
    invoice = api_invoice(2200)
    card = _pay(client, billing_desk, invoice["id"], 1000, method="card")
    assert card.status_code == 201, card.get_json()
    assert card.get_json()["status"] == "succeeded"
    appointment = _appointment_json(client, billing_desk, invoice["appointment"])
    assert appointment["payment_status"] == "partially_paid"
    cash = _pay(client, billing_desk, invoice["id"], 1200, tendered=2000)
    assert cash.status_code == 201, cash.get_json()
    assert cash.get_json()["change"] == 800
    detail = client.get(f"{INVOICES}/{invoice['id']}", headers=billing_desk.headers["cashier"])
    body = detail.get_json()
    assert body["status"] == "paid" and body["paid"] == 2200 and body["due"] == 0
    assert [p["method"] for p in body["payments"]] == ["card", "cash"]
    assert _appointment_json(client, billing_desk, invoice["appointment"])[
        "payment_status"] == "paid"
    # 001's list of the patient's own appointments carries it too
    mine = client.get("/api/v1/appointments", headers=billing_desk.patient_headers)
    assert {a["id"]: a["payment_status"] for a in mine.get_json()}[
        invoice["appointment"]] == "paid"


def test_overpayment_is_refused_naming_the_amount_due(client, billing_desk, api_invoice):
    invoice = api_invoice(2200)
    assert _pay(client, billing_desk, invoice["id"], 2000).status_code == 201
    entries = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    response = _pay(client, billing_desk, invoice["id"], 500)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "overpayment" and body["details"]["amount_due"] == "200.00"
    assert "200,00" in body["detail"] and "RUB" in body["detail"]
    assert db.session.scalar(db.select(db.func.count(Payment.id)).where(
        Payment.invoice_id == invoice["id"])) == 1
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == entries


def test_bad_payments(client, billing_desk, api_invoice):
    invoice = api_invoice()
    for body, status, field in [
            ({"invoice": invoice["id"], "method": "bitcoin", "amount": 1}, 400, "method"),
            ({"invoice": invoice["id"], "method": "online", "amount": 1}, 400, "method"),
            ({"invoice": invoice["id"], "method": "cash", "amount": 0}, 400, "amount"),
            ({"invoice": invoice["id"], "method": "cash", "amount": -5}, 400, "amount"),
            ({"invoice": invoice["id"], "method": "cash"}, 400, "amount"),
            ({"invoice": invoice["id"], "method": "cash", "amount": 100, "tendered": 50}, 400,
             "tendered"),
            ({"invoice": 999999, "method": "cash", "amount": 1}, 404, None)]:
        response = client.post(PAYMENTS, headers=billing_desk.headers["cashier"], json=body)
        assert response.status_code == status, (body, response.get_json())
        if field:
            assert field in response.get_json()["details"], response.get_json()


def test_who_may_take_and_see_payments(client, billing_desk, api_invoice):
    invoice = api_invoice()
    assert _pay(client, billing_desk, invoice["id"], 100, role="doctor").status_code == 403
    assert _pay(client, billing_desk, invoice["id"], 100, role="receptionist"
                ).status_code == 403
    assert _pay(client, billing_desk, invoice["id"], 100, role="other_cashier"
                ).status_code == 403
    assert client.get(f"{INVOICES}/{invoice['id']}", headers=billing_desk.headers[
        "other_cashier"]).status_code == 403
    listed = client.get(INVOICES, headers=billing_desk.headers["other_cashier"])
    assert listed.status_code == 200 and listed.get_json() == []
    assert client.get(INVOICES, headers=billing_desk.patient_headers).status_code == 403


def test_refunds_full_partial_too_much_and_roles(client, billing_desk, api_invoice):
    invoice = api_invoice(2200)
    payment = _pay(client, billing_desk, invoice["id"], 2200, method="card").get_json()
    url = f"{PAYMENTS}/{payment['id']}/refund"
    for role in ("cashier", "receptionist", "doctor"):
        assert client.post(url, headers=billing_desk.headers[role],
                           json={"amount": 100, "reason": "ошибка"}).status_code == 403
    manager = billing_desk.headers["manager"]
    missing = client.post(url, headers=manager, json={"amount": 100})
    assert missing.status_code == 400 and "reason" in missing.get_json()["details"]
    partial = client.post(url, headers=manager, json={"amount": 200, "reason": "Скидка"})
    assert partial.status_code == 201 and partial.get_json()["status"] == "succeeded"
    too_much = client.post(url, headers=manager, json={"amount": 2001, "reason": "Всё"})
    assert too_much.status_code == 400
    assert too_much.get_json()["details"]["refundable"] == "2000.00"
    # what went back is not asked for again: the invoice stays settled, nothing is due
    assert _appointment_json(client, billing_desk, invoice["appointment"])[
        "payment_status"] == "paid"
    settled = client.get(f"{INVOICES}/{invoice['id']}", headers=manager).get_json()
    assert (settled["status"], settled["paid"], settled["refunded"], settled["due"]) == (
        "paid", 2000, 200, 0)
    assert client.post(PAYMENTS, headers=billing_desk.headers["cashier"], json={
        "invoice": invoice["id"], "method": "cash", "amount": 200}).status_code == 400
    rest = client.post(url, headers=manager, json={"reason": "Отказ от услуги"})
    assert rest.status_code == 201 and rest.get_json()["amount"] == 2000
    body = client.get(f"{INVOICES}/{invoice['id']}", headers=manager).get_json()
    assert body["status"] == "refunded" and body["paid"] == 0 and body["refunded"] == 2200
    assert body["payments"][0]["status"] == "refunded"
    assert _appointment_json(client, billing_desk, invoice["appointment"])[
        "payment_status"] == "refunded"
    audit = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "billing.refund_created")).all()
    assert [entry.changes["reason"] for entry in audit] == ["Скидка", "Отказ от услуги"]


def test_lists_filter_and_page(client, billing_desk, api_invoice):
    first, second, third = api_invoice(100), api_invoice(200), api_invoice(300)
    _pay(client, billing_desk, second["id"], 200, method="card")
    headers = billing_desk.headers["manager"]
    page = client.get(INVOICES, headers=headers, query_string={"limit": 2})
    assert page.headers["X-Total-Count"] == "3"
    assert [i["id"] for i in page.get_json()] == [third["id"], second["id"]]
    paid = client.get(INVOICES, headers=headers, query_string={"status": "paid"}).get_json()
    assert [i["id"] for i in paid] == [second["id"]]
    by_card = client.get(INVOICES, headers=headers, query_string={"method": "card"}).get_json()
    assert [i["id"] for i in by_card] == [second["id"]]
    mine = client.get(INVOICES, headers=headers, query_string={
        "patient": billing_desk.patient.id, "branch": billing_desk.clinic.id}).get_json()
    assert {i["id"] for i in mine} == {first["id"], second["id"], third["id"]}
    payments = client.get(PAYMENTS, headers=headers, query_string={"method": "card"})
    assert payments.headers["X-Total-Count"] == "1"
    assert client.get(INVOICES, headers=headers, query_string={"status": "owed"}
                      ).status_code == 400


def test_cancel_an_unpaid_invoice_with_a_reason_but_not_a_paid_one(client, billing_desk,
                                                                   api_invoice):
    unpaid, paid = api_invoice(), api_invoice()
    _pay(client, billing_desk, paid["id"], 100)
    headers = billing_desk.headers["receptionist"]
    no_reason = client.post(f"{INVOICES}/{unpaid['id']}/cancel", headers=headers, json={})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["details"]
    done = client.post(f"{INVOICES}/{unpaid['id']}/cancel", headers=headers,
                       json={"reason": "Пациент ушёл"})
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    refused = client.post(f"{INVOICES}/{paid['id']}/cancel", headers=headers,
                          json={"reason": "Ошибка"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "invoice_has_payments"
    # a cancelled invoice leaves the appointment unpaid and free for a new one
    assert _appointment_json(client, billing_desk, unpaid["appointment"])[
        "payment_status"] == "unpaid"


def test_numbers_are_unique_and_count_up(client, billing_desk, api_invoice):
    numbers = [api_invoice()["number"] for _ in range(3)]
    counts = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert counts == sorted(counts) and len(set(numbers)) == 3
    assert counts[1] == counts[0] + 1


def test_a_mistaken_payment_given_back_is_due_again(client, billing_desk, api_invoice):
    """Card taken by mistake on an invoice still being paid, refunded to take cash instead:
    the money is owed again and the invoice is back at the desk (nothing written off)."""
    invoice = api_invoice(2200)
    card = _pay(client, billing_desk, invoice["id"], 1000, method="card").get_json()
    refund = client.post(f"{PAYMENTS}/{card['id']}/refund", headers=billing_desk.headers[
        "manager"], json={"reason": "Не тот способ оплаты"})
    assert refund.status_code == 201 and refund.get_json()["written_off"] is False
    body = client.get(f"{INVOICES}/{invoice['id']}", headers=billing_desk.headers[
        "cashier"]).get_json()
    assert (body["status"], body["paid"], body["refunded"], body["written_off"],
            body["due"]) == ("issued", 0, 1000, 0, 2200)
    assert _pay(client, billing_desk, invoice["id"], 2200).status_code == 201
    assert _appointment_json(client, billing_desk, invoice["appointment"])[
        "payment_status"] == "paid"
