"""Billing's blocks on other features' pages: the calendar dialog, the desk board (one
request for the whole board), the patient card's «Счета»; who sees them; English."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import event

from clinicapp.billing.invoices import issue_invoice
from clinicapp.billing.payments import record_payment
from clinicapp.extensions import db
from tests.billing.visit_fixtures import draft, visit_today  # noqa: F401  (fixtures)
from tests.conftest import csrf_token
from tests.platform.test_i18n import _cyrillic_lines
from tests.scheduling.conftest import add_appointment, world  # noqa: F401  (fixtures)

HTMX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def selects(action) -> int:
    """How many SELECTs `action` runs (the test's own savepoints aside)."""
    seen = []

    def count(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def paid_in_full(invoice):
    invoice = issue_invoice(None, invoice)
    record_payment(None, invoice, method="card", amount=invoice.total)
    db.session.commit()
    return invoice


def test_the_calendar_dialog_shows_the_payment_state(client, world, web_as, visit_today,  # noqa: F811
                                                     draft):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    appointment = visit_today("completed")
    dialog = text(client.get(f"/calendar/appointments/{appointment.id}", headers=HTMX))
    block_url = f"/appointments/{appointment.id}/billing"
    assert f'hx-get="{block_url}"' in dialog
    block = plain(text(client.get(block_url, headers=HTMX)))
    assert "Не оплачено" in block and "Счёт" in block
    invoice = draft(appointment)
    block = text(client.get(block_url, headers=HTMX))
    assert invoice.number in block and "Черновик" in block and "К оплате на кассу" in block
    # «К оплате на кассу» issues the draft as it is.
    sent = client.post(f"/appointments/{appointment.id}/invoice/send",
                       headers={**HTMX, "X-CSRFToken": csrf_token(block)})
    assert sent.status_code == 200 and "Выставлен" in text(sent)
    assert "2 200,00 RUB" in plain(text(sent))
    paid_in_full(invoice)
    block = plain(text(client.get(block_url, headers=HTMX)))
    assert "Оплачено" in block and "Не оплачено" not in block
    assert "К оплате 0,00 RUB" in block


def test_a_doctor_writes_the_invoice_but_sees_no_invoices_list(client, world, web_as,  # noqa: F811
                                                               visit_today):  # noqa: F811
    doctor = web_as("doctor", branches=[world.a])
    world.doctor.user_id = doctor.id
    db.session.commit()
    own = visit_today("completed")
    block = text(client.get(f"/appointments/{own.id}/billing", headers=HTMX))
    assert f'href="/appointments/{own.id}/invoice"' in block
    other = visit_today("completed", doctor=world.other_doctor, clock="15:00")
    block = text(client.get(f"/appointments/{other.id}/billing", headers=HTMX))
    assert "Не оплачено" in plain(block) and "/invoice" not in block  # not their patient
    card = text(client.get(f"/patients/{world.patient.id}"))
    assert "patient-invoices" not in card and "Счета" not in card
    assert client.get(f"/patients/{world.patient.id}/invoices").status_code == 403


def test_users_without_billing_get_nothing(client, world, web_as, visit_today):  # noqa: F811
    appointment = visit_today("completed")
    web_as("patient")
    assert client.get(f"/appointments/{appointment.id}/billing").status_code == 403
    assert client.get(f"/desk-billing?branch={world.a.id}").status_code == 403


def test_the_patient_card_lists_the_invoices_of_the_users_branches(
        client, world, web_as, visit_today, draft):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    first = draft(visit_today("completed"))
    paid = paid_in_full(draft(visit_today("completed", clock="16:00")))
    elsewhere = draft(visit_today("completed", clinic=world.b, clock="10:00"))
    card = text(client.get(f"/patients/{world.patient.id}"))
    assert f'hx-get="/patients/{world.patient.id}/invoices"' in card
    block = text(client.get(f"/patients/{world.patient.id}/invoices", headers=HTMX))
    assert first.number in block and paid.number in block
    assert elsewhere.number not in block  # another branch
    start = block.index(f'id="patient-invoice-{paid.id}"')
    row = plain(block[start:block.index("</tr>", start)])
    assert paid.number in row and world.a.name in row
    assert row.endswith(" 2 200,00 RUB Оплачен — ")


def test_the_desk_board_loads_its_marks_in_one_request(client, world, web_as, visit_today,  # noqa: F811
                                                       draft):  # noqa: F811
    web_as("receptionist", branches=[world.a])
    done = visit_today("completed", clock="09:00")
    paid_in_full(draft(done))
    board = text(client.get(f"/desk/?branch={world.a.id}"))
    assert board.count('hx-get="/desk-billing') == 1
    assert f'id="desk-bill-{done.id}"' in board
    marks_url = f"/desk-billing?branch={world.a.id}"
    marks = text(client.get(marks_url, headers=HTMX))
    slot = re.search(rf'<div class="desk-bill" id="desk-bill-{done.id}" hx-swap-oob="true">'
                     r'(.*?)</div>', marks, re.S).group(1)
    assert "Оплачено" in slot and f'/appointments/{done.id}/invoice' in slot
    # an unpaid card says where its invoice stands: still a draft, or waiting at the desk
    drafted = visit_today("completed", clock="08:00")
    draft(drafted)
    issued = visit_today("completed", clock="08:30")
    issue_invoice(None, draft(issued))
    db.session.commit()
    marks = text(client.get(marks_url, headers=HTMX))
    for appointment, label in ((drafted, "Черновик · Не оплачено"),
                               (issued, "Выставлен · Не оплачено")):
        slot = re.search(rf'id="desk-bill-{appointment.id}" hx-swap-oob="true">(.*?)</div>',
                         marks, re.S).group(1)
        assert label in slot, slot
    db.session.expire_all()  # as a new request finds it: nothing loaded yet
    few = selects(lambda: client.get(marks_url, headers=HTMX))
    for n, status in enumerate(("completed", "in_progress", "arrived", "booked", "completed")):
        visit_today(status, clock=f"{10 + n}:00")
    db.session.expire_all()
    many = selects(lambda: client.get(marks_url, headers=HTMX))
    assert text(client.get(marks_url, headers=HTMX)).count("hx-swap-oob") == 8
    assert many == few


def test_the_blocks_read_in_english(client, world, web_as, visit_today, draft):  # noqa: F811
    user = web_as("receptionist", branches=[world.a], full_name="Taylor Reed")
    user.language = "en"
    db.session.commit()
    appointment = visit_today("completed")
    invoice = draft(appointment)
    data = {world.patient.full_name, world.doctor.full_name, world.a.name, world.service.name,
            "Пациентов", "Пётр"}
    for url in (f"/appointments/{appointment.id}/billing", f"/desk-billing?branch={world.a.id}",
                f"/patients/{world.patient.id}/invoices",
                f"/appointments/{appointment.id}/invoice",
                f"/appointments/{appointment.id}/invoice/services?q=xx"):
        page = text(client.get(url, headers=HTMX))
        for name in sorted(data, key=len, reverse=True):
            page = page.replace(name, "")
        assert not _cyrillic_lines(page), (url, _cyrillic_lines(page)[:5])
    assert invoice.total == Decimal("2200.00")
