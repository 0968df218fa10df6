"""The refund page: full and partial refunds, too much, a reason required, who may."""
from __future__ import annotations

from decimal import Decimal

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.billing.models import Invoice, Payment, Refund
from clinicapp.extensions import db
from tests.conftest import csrf_token

from .conftest import money_text


@pytest.fixture
def paid(billing_world, issued_invoice) -> Payment:
    """The issued invoice paid in cash in full."""
    return billing_world.pay(issued_invoice, "1500.00", "cash")


def refund(client, payment, **form):
    page = client.get(f"/payments/{payment.id}/refund")
    assert page.status_code == 200
    return client.post(f"/payments/{payment.id}/refund",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True)), **form})


def refunds_of(payment) -> list[Refund]:
    return list(db.session.scalars(db.select(Refund).filter_by(payment_id=payment.id)))


def test_the_page_offers_everything_by_default(client, web_as, billing_world, paid):
    web_as("manager", branches=[billing_world.a])
    html = client.get(f"/payments/{paid.id}/refund").get_data(as_text=True)
    assert "Можно вернуть" in html and money_text("1500.00") in html
    assert 'value="1\u00a0500,00"' in html


def test_a_full_refund(client, web_as, billing_world, paid):
    manager = web_as("manager", branches=[billing_world.a])
    response = refund(client, paid, amount="1500", reason="Отказ от услуги")
    assert response.status_code == 302
    assert response.location == f"/invoices/{paid.invoice_id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Возврат " + money_text("1500.00") + " оформлен" in page
    assert "Отказ от услуги" in page and manager.full_name in page
    [made] = refunds_of(paid)
    assert (made.amount, made.status, made.created_by_id) == (
        Decimal("1500.00"), "succeeded", manager.id)
    invoice = db.session.get(Invoice, paid.invoice_id)
    assert invoice.status == "refunded" and invoice.paid == 0
    assert db.session.scalar(db.select(AuditEntry).filter_by(
        action="billing.refund_created", target_id=str(made.id))) is not None


def test_a_partial_refund(client, web_as, billing_world, paid):
    web_as("manager", branches=[billing_world.a])
    assert refund(client, paid, amount="500,50", reason="Скидка").status_code == 302
    invoice = db.session.get(Invoice, paid.invoice_id)
    # settled still: what went back is not due again, so it never returns to the desk
    assert invoice.status == "paid" and invoice.paid == Decimal("999.50")
    assert invoice.due == 0
    html = client.get(f"/payments/{paid.id}/refund").get_data(as_text=True)
    assert money_text("999.50") in html, "what is left to return"


def test_more_than_was_paid_is_refused(client, web_as, billing_world, paid):
    web_as("manager", branches=[billing_world.a])
    response = refund(client, paid, amount="1500.01", reason="Ошибка")
    assert response.status_code == 400
    assert "Вернуть можно не больше " + money_text("1500.00") in response.get_data(
        as_text=True)
    assert refunds_of(paid) == []


def test_a_reason_is_required(client, web_as, billing_world, paid):
    web_as("manager", branches=[billing_world.a])
    response = refund(client, paid, amount="100", reason="")
    assert response.status_code == 400 and "Укажите причину" in response.get_data(as_text=True)
    assert refunds_of(paid) == []


@pytest.mark.parametrize("role", ["cashier", "receptionist", "doctor"])
def test_other_roles_get_403(client, web_as, billing_world, paid, role):
    web_as(role, branches=[billing_world.a])
    assert client.get(f"/payments/{paid.id}/refund").status_code == 403
    page = client.get("/profile/").get_data(as_text=True)
    response = client.post(f"/payments/{paid.id}/refund", data={
        "csrf_token": csrf_token(page), "amount": "100", "reason": "Хочу"})
    assert response.status_code == 403
    assert refunds_of(paid) == []


def test_a_manager_of_another_branch_is_refused(client, web_as, billing_world, paid):
    web_as("manager", branches=[billing_world.b])
    assert client.get(f"/payments/{paid.id}/refund").status_code == 403
