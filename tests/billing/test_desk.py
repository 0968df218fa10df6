"""The cash desk: the branch's open invoices, taking payments (cash with change, split
between methods), refusals, the cashier's landing."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from clinicapp.audit.models import AuditEntry
from clinicapp.billing.models import Invoice, Payment
from clinicapp.extensions import db
from tests.conftest import csrf_token

from .conftest import money_text

HTMX = {"HX-Request": "true"}


def pay(client, invoice, **form):
    page = client.get(f"/cash-desk/invoices/{invoice.id}").get_data(as_text=True)
    return client.post(f"/cash-desk/invoices/{invoice.id}/payments",
                       data={"csrf_token": csrf_token(page), **form}, headers=HTMX)


def payments_of(invoice) -> list[Payment]:
    return list(db.session.scalars(db.select(Payment).filter_by(invoice_id=invoice.id)))


def test_the_desk_lists_the_branchs_open_invoices_oldest_first(client, web_as, billing_world):
    w = billing_world
    first = w.invoice()
    partly = w.invoice(patient=w.patient2)
    w.pay(partly, "500.00", "card")
    draft = w.invoice(issue=False)
    paid = w.invoice()
    w.pay(paid, "1500.00")
    other_branch = w.invoice(clinic=w.b)
    web_as("cashier", branches=[w.a])

    page = client.get("/cash-desk/").get_data(as_text=True)

    assert first.number in page and partly.number in page
    assert page.index(first.number) < page.index(partly.number), "oldest first"
    for hidden in (draft, paid, other_branch):
        assert hidden.number not in page
    assert money_text("1000.00") in page, "what is still due"
    assert "Оплачен частично" in page


def test_the_desk_search_finds_by_patient_name_and_by_number(client, web_as, billing_world):
    w = billing_world
    mine, theirs = w.invoice(), w.invoice(patient=w.patient2)
    web_as("cashier", branches=[w.a])

    by_name = client.get(f"/cash-desk/?branch={w.a.id}&q=втор", headers=HTMX)
    assert by_name.status_code == 200 and 'id="desk-list"' in by_name.get_data(as_text=True)
    assert theirs.number in by_name.get_data(as_text=True)
    assert mine.number not in by_name.get_data(as_text=True)
    by_number = client.get(f"/cash-desk/?q={mine.number[-6:]}").get_data(as_text=True)
    assert mine.number in by_number and theirs.number not in by_number


def test_a_cashier_of_another_branch_is_refused(client, web_as, billing_world, issued_invoice):
    web_as("cashier", branches=[billing_world.b])
    assert client.get(f"/cash-desk/invoices/{issued_invoice.id}").status_code == 403
    assert client.get(f"/cash-desk/?branch={billing_world.a.id}").status_code == 403
    page = client.get("/cash-desk/").get_data(as_text=True)
    assert issued_invoice.number not in page
    response = client.post(f"/cash-desk/invoices/{issued_invoice.id}/payments",
                           data={"csrf_token": csrf_token(page), "method": "cash",
                                 "amount": "1500"}, headers=HTMX)
    assert response.status_code == 403
    assert payments_of(issued_invoice) == []


def test_roles_without_the_desk_are_refused(client, web_as, billing_world, issued_invoice):
    web_as("receptionist", branches=[billing_world.a])
    assert client.get("/cash-desk/").status_code == 403
    assert client.get(f"/cash-desk/invoices/{issued_invoice.id}").status_code == 403


def test_the_payment_form_offers_cash_and_card_with_the_due_amount(client, web_as,
                                                                    billing_world,
                                                                    issued_invoice):
    web_as("cashier", branches=[billing_world.a])
    panel = client.get(f"/cash-desk/invoices/{issued_invoice.id}", headers=HTMX)
    html = panel.get_data(as_text=True)
    assert panel.status_code == 200
    assert 'id="desk-invoice"' in html and "<html" not in html, "the panel alone"
    methods = re.findall(r'name="method" value="(\w+)"', html)
    assert methods == ["cash", "card"], "certificates and points come with loyalty"
    assert 'value="1\u00a0500,00"' in html, "the amount defaults to what is due"
    assert "Приём терапевта первичный" in html and money_text("1500.00") in html
    full = client.get(f"/cash-desk/invoices/{issued_invoice.id}").get_data(as_text=True)
    assert 'id="desk-list"' in full and 'id="desk-invoice"' in full, "the desk, this one open"


def test_cash_with_change(client, web_as, billing_world, issued_invoice):
    cashier = web_as("cashier", branches=[billing_world.a])

    response = pay(client, issued_invoice, method="cash", amount="1 500,00", tendered="2000")

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "desk-paid", "the list reloads itself"
    html = response.get_data(as_text=True)
    assert "Сдача " + money_text("500.00") in html
    assert "Счёт оплачен полностью" in html and "Печать чека" in html
    assert 'id="desk-pay-form"' not in html, "nothing is due: no form"
    [payment] = payments_of(issued_invoice)
    assert (payment.method, payment.amount, payment.tendered, payment.status) == (
        "cash", Decimal("1500.00"), Decimal("2000.00"), "succeeded")
    assert payment.taken_by_id == cashier.id
    db.session.refresh(issued_invoice)
    assert issued_invoice.status == "paid" and issued_invoice.paid == Decimal("1500.00")


def test_split_card_then_cash_until_paid(client, web_as, billing_world, issued_invoice):
    web_as("cashier", branches=[billing_world.a])

    first = pay(client, issued_invoice, method="card", amount="1000")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and 'id="desk-pay-form"' in html, "the form stays open"
    assert 'value="500,00"' in html, "the rest is the new default"
    db.session.refresh(issued_invoice)
    assert issued_invoice.status == "partially_paid"

    second = pay(client, issued_invoice, method="cash", amount="500")
    assert second.status_code == 200 and "Счёт оплачен полностью" in second.get_data(
        as_text=True)
    db.session.refresh(issued_invoice)
    assert issued_invoice.status == "paid"
    assert sorted((p.method, p.amount) for p in payments_of(issued_invoice)) == [
        ("card", Decimal("1000.00")), ("cash", Decimal("500.00"))]


def test_overpayment_is_refused_naming_the_amount_due(client, web_as, billing_world,
                                                      issued_invoice):
    web_as("cashier", branches=[billing_world.a])
    billing_world.pay(issued_invoice, "400.00", "card")

    response = pay(client, issued_invoice, method="cash", amount="1500", tendered="2000")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="desk-invoice"' in html and 'id="desk-pay-form"' in html
    assert "к оплате " + money_text("1100.00") in html
    assert 'value="1500"' in html and 'value="2000"' in html, "what was typed stays"
    assert len(payments_of(issued_invoice)) == 1, "nothing written"
    db.session.refresh(issued_invoice)
    assert issued_invoice.paid == Decimal("400.00")


def test_bad_input_names_the_field(client, web_as, billing_world, issued_invoice):
    web_as("cashier", branches=[billing_world.a])
    cases = [({"method": "points", "amount": "100"}, "Выберите способ оплаты"),
             ({"method": "card", "amount": "сто"}, "Сумма — число"),
             ({"method": "card", "amount": "0"}, "больше нуля"),
             ({"method": "card", "amount": ""}, "Укажите сумму"),
             ({"method": "cash", "amount": "1000", "tendered": "500"},
              "Получено меньше суммы оплаты")]
    for form, message in cases:
        response = pay(client, issued_invoice, **form)
        assert response.status_code == 400, form
        assert message in response.get_data(as_text=True), form
    assert payments_of(issued_invoice) == []


def test_without_javascript_a_payment_redirects_with_a_message(client, web_as, billing_world,
                                                               issued_invoice):
    web_as("cashier", branches=[billing_world.a])
    page = client.get(f"/cash-desk/invoices/{issued_invoice.id}").get_data(as_text=True)
    response = client.post(f"/cash-desk/invoices/{issued_invoice.id}/payments",
                           data={"csrf_token": csrf_token(page), "method": "card",
                                 "amount": "1500"})
    assert response.status_code == 302
    assert response.location == f"/cash-desk/invoices/{issued_invoice.id}"
    followed = client.get(response.location).get_data(as_text=True)
    assert "Принято " + money_text("1500.00") + ": Карта" in followed
    refused = client.post(f"/cash-desk/invoices/{issued_invoice.id}/payments",
                          data={"csrf_token": csrf_token(page), "method": "card",
                                "amount": "1"})
    assert refused.status_code == 400, "nothing is due any more"
    assert "<html" in refused.get_data(as_text=True), "a whole page"
    assert "к оплате " + money_text("0.00") in refused.get_data(as_text=True)


def test_a_pending_online_payment_is_not_due(client, web_as, billing_world, issued_invoice):
    from clinicapp.billing.payments import record_payment

    record_payment(None, issued_invoice, method="online", amount=Decimal("1000.00"),
                   pending=True, provider="sandbox")
    db.session.commit()
    web_as("cashier", branches=[billing_world.a])
    html = client.get(f"/cash-desk/invoices/{issued_invoice.id}").get_data(as_text=True)
    assert "Ожидается онлайн-оплата " + money_text("1000.00") in html
    assert 'value="500,00"' in html


def test_the_payment_is_audited(client, web_as, billing_world, issued_invoice):
    web_as("cashier", branches=[billing_world.a])
    pay(client, issued_invoice, method="card", amount="1500")
    [payment] = payments_of(issued_invoice)
    assert db.session.scalar(db.select(AuditEntry).filter_by(
        action="billing.payment_recorded", target_id=str(payment.id))) is not None


def test_the_list_shows_earlier_days_apart(client, web_as, billing_world):
    w = billing_world
    old = w.invoice()
    old.issued_at = old.issued_at - timedelta(days=3)
    db.session.commit()
    fresh = w.invoice()
    web_as("cashier", branches=[w.a])
    html = client.get("/cash-desk/").get_data(as_text=True)
    earlier = html.index("С прошлых дней")
    assert html.index(fresh.number) < earlier < html.index(old.number)


# --- the cashier's landing and the menu ---------------------------------------------

def test_the_cashier_lands_on_the_cash_desk(client, web_as, billing_world):
    web_as("cashier", branches=[billing_world.a])
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/cash-desk/"
    html = client.get("/cash-desk/").get_data(as_text=True)
    nav = html[html.index('class="topnav-links"'):html.index("</ul>")]
    # One menu item for the section, the invoices a tab beside the desk.
    assert ">Касса<" in nav and ">Счета<" not in nav
    tabs = html[html.index('class="section-tabs"'):]
    tabs = tabs[:tabs.index("</nav>")]
    assert 'href="/cash-desk/" aria-current="page">Касса<' in tabs and ">Счета<" in tabs


def test_the_menu_shows_each_role_its_billing_sections(client, web_as, billing_world):
    web_as("receptionist", branches=[billing_world.a])
    html = client.get("/patients/").get_data(as_text=True)
    nav = html[html.index('class="topnav-links"'):html.index("</ul>")]
    assert ">Счета<" in nav and ">Касса<" not in nav


def test_invoices_written_meanwhile_show_up_on_refresh(client, web_as, billing_world):
    web_as("cashier", branches=[billing_world.a])
    client.get("/cash-desk/")
    later = billing_world.invoice()
    refreshed = client.get(f"/cash-desk/?branch={billing_world.a.id}", headers=HTMX)
    assert later.number in refreshed.get_data(as_text=True)
    assert db.session.get(Invoice, later.id).status == "issued"
