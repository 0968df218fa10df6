"""Demo invoices: the past completed appointments paid by cash, card and online (the
sandbox), each branch's last two visits waiting at the cash desk; every sum equals its
ledger; running it again changes nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from clinicapp.billing import queries
from clinicapp.billing.models import Invoice, Payment
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment, Visit
from clinicapp.seed import billing, schedule
from tests.scheduling.conftest import (  # noqa: F401  (fixtures)
    add_appointment,
    make_doctor,
    world,
)


def counts() -> tuple:
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                 for model in (Invoice, Payment))


def test_seed_pays_the_past_and_leaves_today_for_the_desk(world, make_user,  # noqa: F811
                                                           add_appointment):  # noqa: F811
    cashier = make_user("cashier", branches=[world.a])
    travelling = make_doctor([world.a, world.b], "Разъездов", weekdays=())
    resident = make_doctor([world.a], "Домоседов", weekdays=())
    world.service.doctors = [travelling, resident]
    world.service.clinics = [world.a, world.b]
    db.session.commit()
    schedule.seed([world.a, world.b], [travelling, resident])
    # Two visits that ended just now (the demo's own last ones start a quarter earlier at
    # the latest): they are the ones left waiting at the cash desk.
    now = utcnow()
    todays = set()
    for minutes in (12, 6):
        start = now - timedelta(minutes=minutes)
        done = add_appointment(start, start + timedelta(minutes=5), status="completed",
                               service=world.service)
        todays.add(done.id)
        db.session.add(Visit(appointment_id=done.id, status="completed", arrived_at=start,
                             started_at=start, finished_at=done.ends_at))
    db.session.commit()
    billing.seed([world.a, world.b])
    db.session.commit()
    first = counts()
    completed = list(db.session.scalars(db.select(Appointment).where(
        Appointment.status == "completed", Appointment.ends_at <= now)))
    invoices = list(db.session.scalars(db.select(Invoice)))
    assert len(completed) > 20 and len(invoices) == len(completed)
    assert {i.appointment_id for i in invoices} == {a.id for a in completed}
    assert len({i.number for i in invoices}) == len(invoices)
    for invoice in invoices:
        appointment = invoice.appointment
        [line] = invoice.lines
        assert line.service_id == appointment.service_id and invoice.visit_id is not None
        assert invoice.total == line.amount == line.unit_price == Decimal("2200.00")
        succeeded = sum((p.amount for p in invoice.payments if p.status == "succeeded"),
                        Decimal("0"))
        assert invoice.paid == succeeded  # the cached sum is the ledger's
        assert invoice.total == sum((line.amount for line in invoice.lines), Decimal("0"))
        assert invoice.created_at == appointment.ends_at  # on the visit's day in reports
        if invoice.status == "issued":
            assert not invoice.payments and invoice.due == invoice.total
        else:
            assert invoice.status == "paid" and invoice.due == 0
    # Each branch's last two visits wait at the cash desk; today's when there were any.
    for clinic in (world.a, world.b):
        done = sorted((a for a in completed if a.clinic_id == clinic.id),
                      key=lambda a: (a.starts_at, a.id))
        waiting = {i.appointment_id for i in queries.open_invoices(clinic.id)}
        assert waiting == {a.id for a in done[-billing.UNPAID_TODAY:]}
    assert {i.appointment_id for i in queries.open_invoices(world.a.id)} == todays
    payments = list(db.session.scalars(db.select(Payment)))
    assert {p.method for p in payments} == {"cash", "card", "online"}
    for payment in payments:
        assert payment.status == "succeeded" and payment.amount == payment.invoice.total
        if payment.method == "online":
            assert payment.provider == "sandbox" and payment.external_id
            assert payment.taken_by_id is None
        else:
            assert payment.external_id is None
        if payment.method == "cash" and payment.tendered is not None:
            assert payment.tendered > payment.amount and payment.tendered % 500 == 0
        if payment.invoice.clinic_id == world.a.id and payment.method != "online":
            assert payment.taken_by_id == cashier.id
    billing.seed([world.a, world.b])
    db.session.commit()
    assert counts() == first
