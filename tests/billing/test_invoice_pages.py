"""The invoices list (filters, paging, branches), one invoice (payments, refunds, history),
issuing a draft, cancelling with a reason, the printable receipt."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from clinicapp.audit.models import AuditEntry
from clinicapp.billing.models import Invoice
from clinicapp.extensions import db
from clinicapp.org.models import Organization
from tests.conftest import csrf_token

from .conftest import money_text


def numbers_on(html: str, invoices) -> set[str]:
    return {invoice.number for invoice in invoices if invoice.number in html}


def test_the_list_is_branch_scoped(client, web_as, billing_world):
    w = billing_world
    mine, theirs = w.invoice(), w.invoice(clinic=w.b)
    web_as("receptionist", branches=[w.a])
    html = client.get("/invoices/").get_data(as_text=True)
    assert numbers_on(html, [mine, theirs]) == {mine.number}
    assert client.get(f"/invoices/?branch={w.b.id}").status_code == 403
    assert client.get(f"/invoices/{theirs.id}").status_code == 403


def test_the_list_filters(client, web_as, billing_world):
    w = billing_world
    issued = w.invoice()
    card_paid = w.invoice(patient=w.patient2)
    w.pay(card_paid, "1500.00", "card")
    cash_paid = w.invoice()
    w.pay(cash_paid, "1500.00", "cash")
    draft = w.invoice(issue=False)
    old = w.invoice()
    old.created_at = old.created_at - timedelta(days=40)
    db.session.commit()
    every = [issued, card_paid, cash_paid, draft, old]
    web_as("manager", branches=[w.a, w.b])

    def shown(query: str) -> set[str]:
        response = client.get("/invoices/?" + query)
        assert response.status_code == 200, query
        return numbers_on(response.get_data(as_text=True), every)

    assert shown("") == {i.number for i in every}
    assert shown("status=paid") == {card_paid.number, cash_paid.number}
    assert shown("status=draft") == {draft.number}
    assert shown("method=card") == {card_paid.number}
    assert shown("patient=Вторых") == {card_paid.number}
    assert shown(f"patient_id={w.patient2.id}") == {card_paid.number}
    assert shown(f"number={draft.number}") == {draft.number}
    day = (old.created_at + timedelta(hours=3)).date()
    assert shown(f"date_from={day - timedelta(days=1)}&date_to={day}") == {old.number}
    assert old.number not in shown(f"date_from={day + timedelta(days=2)}")
    assert shown(f"branch={w.b.id}") == set()


def test_bad_filters_are_400_naming_the_field(client, web_as, billing_world):
    web_as("manager", branches=[billing_world.a])
    for query, message in (("date_from=вчера", "Ожидается дата ДД.ММ.ГГГГ"),
                           ("status=lost", "Выберите значение из списка"),
                           ("date_from=2026-05-02&date_to=2026-05-01",
                            "Конец периода раньше начала")):
        response = client.get("/invoices/?" + query)
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query
    assert client.get("/invoices/?branch=abc").status_code == 400


def test_the_list_pages(client, web_as, billing_world):
    made = [billing_world.invoice() for _ in range(27)]
    web_as("manager", branches=[billing_world.a])
    first = client.get("/invoices/").get_data(as_text=True)
    assert "Найдено счетов: 27" in first and "Страница 1 из 2" in first
    assert len(numbers_on(first, made)) == 25
    assert made[-1].number in first, "newest first"
    second = client.get("/invoices/?page=2").get_data(as_text=True)
    assert numbers_on(second, made) == {made[0].number, made[1].number}
    assert 'href="/invoices/?page=1"' in second.replace("&amp;", "&")
    assert client.get("/invoices/?page=999999999999").status_code == 200


def test_roles_without_invoices_are_refused(client, web_as, billing_world, issued_invoice):
    web_as("doctor", branches=[billing_world.a])
    assert client.get("/invoices/").status_code == 403
    assert client.get(f"/invoices/{issued_invoice.id}").status_code == 403


def test_the_invoice_page_says_who_took_and_who_returned(client, web_as, make_user,
                                                          billing_world, issued_invoice):
    from clinicapp.billing.payments import refund_payment

    cashier = make_user("cashier", branches=[billing_world.a], full_name="Кассирова Елена")
    boss = make_user("manager", branches=[billing_world.a], full_name="Начальникова Анна")
    payment = billing_world.pay(issued_invoice, "1500.00", "cash", actor=cashier,
                                tendered="2000.00")
    refund_payment(boss, payment, Decimal("300.00"), "Не сделали снимок")
    db.session.commit()
    web_as("manager", branches=[billing_world.a])

    html = client.get(f"/invoices/{issued_invoice.id}").get_data(as_text=True)

    assert "Приём терапевта первичный" in html
    assert "Кассирова Елена" in html and "Наличные" in html
    assert "получено 2\u00a0000,00\u00a0RUB, сдача 500,00\u00a0RUB" in html
    assert "Начальникова Анна" in html and "Не сделали снимок" in html
    assert money_text("300.00") in html and "Выполнен" in html
    history = html[html.index('class="bill-history"'):]
    history = history[:history.index("</ul>")]
    for event in ("Создан", "Выставлен", "Оплата " + money_text("1500.00") + ": Наличные",
                  "Возврат " + money_text("300.00") + " (Выполнен): Не сделали снимок"):
        assert event in history, event
    assert history.index("Выставлен") < history.index("Оплата") < history.index("Возврат")
    assert f'/payments/{payment.id}/refund' in html, "the manager may return the rest"


def test_issue_a_draft(client, web_as, billing_world):
    draft = billing_world.invoice(issue=False)
    web_as("receptionist", branches=[billing_world.a])
    page = client.get(f"/invoices/{draft.id}").get_data(as_text=True)
    assert "Выставить" in page
    response = client.post(f"/invoices/{draft.id}/issue", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == f"/invoices/{draft.id}"
    assert db.session.get(Invoice, draft.id).status == "issued"


def test_cancel_with_a_reason_is_audited(client, web_as, billing_world, issued_invoice):
    user = web_as("receptionist", branches=[billing_world.a])
    page = client.get(f"/invoices/{issued_invoice.id}").get_data(as_text=True)

    missing = client.post(f"/invoices/{issued_invoice.id}/cancel",
                          data={"csrf_token": csrf_token(page), "reason": "  "})
    assert missing.status_code == 400 and "Укажите причину" in missing.get_data(as_text=True)
    assert db.session.get(Invoice, issued_invoice.id).status == "issued"

    response = client.post(f"/invoices/{issued_invoice.id}/cancel",
                           data={"csrf_token": csrf_token(page), "reason": "Пациент ушёл"})
    assert response.status_code == 302
    invoice = db.session.get(Invoice, issued_invoice.id)
    assert (invoice.status, invoice.cancel_reason, invoice.cancelled_by_id) == (
        "cancelled", "Пациент ушёл", user.id)
    entry = db.session.scalars(db.select(AuditEntry).filter_by(
        action="billing.invoice_cancelled", target_id=str(invoice.id))).one()
    assert entry.actor_id == user.id and entry.changes["reason"] == "Пациент ушёл"
    html = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Отменён" in html and "Пациент ушёл" in html


def test_cancel_is_refused_when_something_is_paid(client, web_as, billing_world,
                                                  issued_invoice):
    billing_world.pay(issued_invoice, "100.00", "card")
    web_as("receptionist", branches=[billing_world.a])
    page = client.get(f"/invoices/{issued_invoice.id}").get_data(as_text=True)
    assert 'id="invoice-cancel-form"' not in page, "no cancel form on a paid invoice"
    response = client.post(f"/invoices/{issued_invoice.id}/cancel",
                           data={"csrf_token": csrf_token(page), "reason": "Ошибка"})
    assert response.status_code == 409
    assert "сначала оформите возврат" in response.get_data(as_text=True)
    assert db.session.get(Invoice, issued_invoice.id).status == "partially_paid"


def test_the_receipt(client, web_as, billing_world):
    organization = db.session.get(Organization, billing_world.a.organization_id)
    organization.name, organization.inn = "ООО «Здоровье»", "7701234567"
    db.session.commit()
    invoice = billing_world.invoice(lines=[("Консультация", "1000.00", 1),
                                           ("Анализ крови", "250.00", 2)])
    billing_world.pay(invoice, "700.00", "card")
    billing_world.pay(invoice, "800.00", "cash", tendered="1000.00")
    web_as("cashier", branches=[billing_world.a])

    response = client.get(f"/invoices/{invoice.id}/receipt")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ООО «Здоровье»" in html.replace("&#34;", '"') or "Здоровье" in html
    assert "7701234567" in html and billing_world.a.name in html and invoice.number in html
    assert "Консультация" in html and "Анализ крови" in html
    for amount in ("1500.00", "700.00", "800.00", "1000.00", "200.00"):
        assert money_text(amount) in html, amount
    assert "Сдача" in html and "Карта" in html and "Наличные" in html
    assert "data-print" in html


def test_the_receipt_names_another_currency(client, web_as, billing_world):
    organization = db.session.get(Organization, billing_world.a.organization_id)
    organization.currency = "KZT"
    db.session.commit()
    invoice = billing_world.invoice()
    billing_world.pay(invoice, "1500.00", "card")
    web_as("cashier", branches=[billing_world.a])
    html = client.get(f"/invoices/{invoice.id}/receipt").get_data(as_text=True)
    assert money_text("1500.00", "KZT") in html and " RUB" not in html
    desk = client.get(f"/cash-desk/invoices/{invoice.id}").get_data(as_text=True)
    assert money_text("1500.00", "KZT") in desk and " RUB" not in desk
