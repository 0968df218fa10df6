"""Visit → invoice: the editor of an appointment's draft (billing.edit_invoice).

Through the pages: the desk's real «Завершить» step leaves a draft at the price in force,
lines are added, removed and recomputed on the server, saved and issued; refusals name
the line and the field, with their status, and write nothing."""
from __future__ import annotations

import re
from decimal import Decimal

from clinicapp.billing import queries
from clinicapp.billing.invoices import LineInput
from clinicapp.billing.models import Invoice
from clinicapp.extensions import db
from tests.billing.visit_fixtures import (  # noqa: F401  (fixtures)
    draft,
    invoice_of,
    price_change,
    visit_today,
)
from tests.conftest import csrf_token
from tests.scheduling.conftest import add_appointment, world  # noqa: F401  (fixtures)

HTMX = {"HX-Request": "true"}


def url(appointment, tail: str = "") -> str:
    return f"/appointments/{appointment.id}/invoice{tail}"


def token(client, appointment) -> str:
    return csrf_token(client.get(url(appointment)).get_data(as_text=True))


def lines_form(*rows, csrf: str) -> dict:
    """rows: (service id or "", name, price, quantity, discount)."""
    form = {"csrf_token": csrf}
    for i, (service, name, price, quantity, discount) in enumerate(rows):
        form.update({f"lines-{i}-service": str(service), f"lines-{i}-name": name,
                     f"lines-{i}-price": price, f"lines-{i}-quantity": quantity,
                     f"lines-{i}-discount": discount})
    return form


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def test_the_desk_step_leaves_a_draft_at_the_price_in_force(client, world, web_as,  # noqa: F811
                                                             visit_today, price_change):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("in_progress")
    page = text(client.get(f"/desk/?branch={world.a.id}"))
    response = client.post(f"/desk/appointments/{appointment.id}/status",
                           data={"status": "completed"},
                           headers={**HTMX, "X-CSRFToken": csrf_token(page)})
    assert response.status_code == 200
    invoice = invoice_of(appointment.id)
    assert invoice.status == "draft" and invoice.visit_id is not None
    [line] = invoice.lines
    assert (line.service_id, line.unit_price, line.quantity) == (
        world.service.id, price_change, 1)
    assert invoice.total == Decimal("2500.00")
    page = text(client.get(url(appointment)))
    assert invoice.number in page and "Черновик" in page
    assert 'name="lines-0-price" value="2500,00"' in page
    assert "Итого: 2 500,00 RUB" in plain(page)


def test_looking_writes_nothing_and_offers_the_service(client, world, web_as, visit_today,  # noqa: F811
                                                       price_change):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("completed")
    page = text(client.get(url(appointment)))
    assert "Новый счёт по приёму" in page and world.service.name in page
    assert 'value="2500,00"' in page and "RUB" in page
    assert invoice_of(appointment.id) is None


def test_lines_added_removed_and_recomputed_on_the_server(client, world, web_as,  # noqa: F811
                                                          visit_today, draft):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("completed")
    draft(appointment)
    csrf = token(client, appointment)
    headers = {**HTMX, "X-CSRFToken": csrf}
    # Search as you type: the branch's services with their price.
    found = text(client.get(url(appointment, "/services?q=терап"), headers=HTMX))
    assert world.service.name in found and "2 200,00 RUB" in plain(found)
    assert "Ничего не нашлось" in text(client.get(url(appointment, "/services?q=рентген"),
                                                  headers=HTMX))
    # A service more, then a free-text line: the posted lines come back with it.
    one = lines_form((world.service.id, "", "2200,00", "1", "0"), csrf=csrf)
    two = text(client.post(url(appointment, "/lines/add"), data={**one, "add": world.service.id},
                           headers=headers))
    assert two.count('name="lines-1-service" value="%d"' % world.service.id) == 1
    three = text(client.post(url(appointment, "/lines/add"), data=one, headers=headers))
    assert 'name="lines-1-name"' in three and 'name="lines-2-' not in three
    # Totals as one types: 2 × 2 200 less 10 % = 3 960, plus 350 × 1 = 4 310.
    form = lines_form((world.service.id, "", "2200,00", "2", "10"),
                      ("", "Анализ крови", "350", "1", ""), csrf=csrf)
    totals = text(client.post(url(appointment, "/preview"), data=form, headers=headers))
    assert "Итого: 4 310,00 RUB" in plain(totals)
    assert re.search(r'id="invoice-line-amount-0" hx-swap-oob="true">3\s960,00\sRUB<', totals)
    # Remove the first line: only the free one is left.
    left = text(client.post(url(appointment, "/lines/0/remove"), data=form, headers=headers))
    assert "Анализ крови" in left and 'name="lines-1-' not in left
    assert "Итого: 350,00 RUB" in plain(left)
    # Save: the draft's lines are what was posted.
    response = client.post(url(appointment), data=form)
    assert response.status_code == 302 and response.location == url(appointment)
    invoice = invoice_of(appointment.id)
    assert invoice.status == "draft" and invoice.total == Decimal("4310.00")
    assert [(l.name, l.quantity, l.discount_percent, l.amount) for l in invoice.lines] == [
        (world.service.name, 2, Decimal("10.00"), Decimal("3960.00")),
        ("Анализ крови", 1, Decimal("0.00"), Decimal("350.00"))]
    assert "сохранён" in text(client.get(url(appointment)))


def test_a_bad_field_names_its_line_and_nothing_is_written(client, world, web_as,  # noqa: F811
                                                           visit_today, draft):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("completed")
    invoice = draft(appointment)
    csrf = token(client, appointment)
    for quantity in ("0", "два"):
        form = lines_form((world.service.id, "", "2200", "1", "0"),
                          ("", "Перевязка", "500", quantity, "0"), csrf=csrf)
        response = client.post(url(appointment), data=form)
        assert response.status_code == 400, quantity
        page = plain(text(response))
        assert "Строка 2 (Перевязка): количество" in page
        assert 'name="lines-1-quantity" value="%s"' % quantity in text(response)  # as typed
    bad_price = lines_form(("", "Перевязка", "пятьсот", "1", "0"), csrf=csrf)
    page = plain(text(client.post(url(appointment, "/issue"), data=bad_price)))
    assert "Строка 1 (Перевязка): цена" in page
    no_name = lines_form(("", "", "500", "1", "0"), csrf=csrf)
    response = client.post(url(appointment), data=no_name)
    assert response.status_code == 400 and "Строка 1: укажите услугу" in plain(text(response))
    too_much = lines_form((world.service.id, "", "2200", "1", "101"), csrf=csrf)
    response = client.post(url(appointment), data=too_much)
    assert response.status_code == 400 and "скидка — от 0 до 100 процентов" in plain(
        text(response))
    # every bad field at once, each named, not one per attempt
    all_bad = lines_form(("", "Перевязка", "-5", "1000", "150"), csrf=csrf)
    page = plain(text(client.post(url(appointment), data=all_bad)))
    for said in ("цена — неотрицательная", "количество — от 1 до 999",
                 "скидка — от 0 до 100 процентов"):
        assert said in page, said
    again = invoice_of(appointment.id)
    assert again.id == invoice.id and again.status == "draft" and len(again.lines) == 1
    assert again.total == Decimal("2200.00")


def test_issue_sends_it_to_the_cash_desk_and_then_it_is_read_only(client, world, web_as,  # noqa: F811
                                                                  visit_today, draft):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("completed")
    draft(appointment)
    csrf = token(client, appointment)
    form = lines_form((world.service.id, "", "2200", "1", "0"),
                      ("", "Перевязка", "300", "1", "0"), csrf=csrf)
    response = client.post(url(appointment, "/issue"), data=form)
    assert response.status_code == 302
    invoice = invoice_of(appointment.id)
    assert invoice.status == "issued" and invoice.total == Decimal("2500.00")
    assert invoice.id in [i.id for i in queries.open_invoices(world.a.id)]
    page = text(client.get(url(appointment)))
    assert "выставлен на кассу" in page and "Выставлен" in page
    assert 'id="invoice-due"' in page and "2 500,00 RUB" in plain(page)
    assert 'name="lines-0-price"' not in page  # read-only
    refused = client.post(url(appointment), data=form)
    assert refused.status_code == 409 and "только в черновике" in text(refused)


def test_a_new_invoice_is_written_on_save_and_empty_cannot_be_issued(client, world, web_as,  # noqa: F811
                                                                     visit_today):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("completed")
    csrf = token(client, appointment)
    response = client.post(url(appointment, "/issue"), data={"csrf_token": csrf})
    assert response.status_code == 400 and "хотя бы одну услугу" in text(response)
    assert invoice_of(appointment.id) is None
    form = lines_form((world.service.id, "", "2200", "1", "0"), csrf=csrf)
    assert client.post(url(appointment), data=form).status_code == 302
    assert invoice_of(appointment.id).status == "draft"


def test_a_doctor_writes_for_own_patients_only(client, world, web_as, visit_today, draft):  # noqa: F811
    doctor = web_as("doctor", branches=[world.a])
    world.doctor.user_id = doctor.id
    db.session.commit()
    own = visit_today("completed")
    others = visit_today("completed", doctor=world.other_doctor, clock="14:00")
    draft(others, [LineInput(world.service)])
    assert client.get(url(own)).status_code == 200
    page = client.get(url(others))
    assert page.status_code == 403 and "другого врача" in text(page)
    csrf = token(client, own)
    form = lines_form((world.service.id, "", "1", "1", "0"), csrf=csrf)
    assert client.post(url(others), data=form).status_code == 403
    assert client.post(url(others, "/issue"), data=form).status_code == 403
    assert invoice_of(others.id).total == Decimal("2200.00")
    assert client.post(url(own, "/issue"), data=form).status_code == 302
    assert invoice_of(own.id).status == "issued"


def test_a_receptionist_of_another_branch_is_refused(client, world, web_as, visit_today):  # noqa: F811
    web_as("receptionist", branches=[world.b])
    appointment = visit_today("completed")
    assert client.get(url(appointment)).status_code == 403
    page = client.get(f"/appointments/{appointment.id}/billing")
    assert page.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 0
