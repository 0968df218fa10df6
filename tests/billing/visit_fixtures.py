"""Fixtures of the visit → invoice tests (imported explicitly by those modules, together
with the scheduling tests' `world`: two branches, doctors, a service at 2 200, patients):
an appointment today in branch A, a price change for the service, a draft invoice."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from clinicapp.billing.invoices import LineInput, create_invoice
from clinicapp.billing.models import Invoice
from clinicapp.catalog.models import ServicePrice
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment, Visit
from tests.scheduling.conftest import MOSCOW, at


def today():
    return utcnow().astimezone(MOSCOW).date()


def reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def invoice_of(appointment_id: int) -> Invoice | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Invoice).where(
        Invoice.appointment_id == appointment_id, Invoice.status != "cancelled"))


@pytest.fixture
def visit_today(world, add_appointment):
    """make(status="in_progress", doctor=world.doctor, clinic=world.a) -> an appointment
    today at 12:00 in the branch's clock, with its visit row when in a visit status."""

    def make(status: str = "in_progress", *, doctor=None, clinic=None, patient=None,
             clock: str = "12:00") -> Appointment:
        appointment = add_appointment(at(today(), clock), doctor=doctor, patient=patient,
                                      clinic=clinic, service=world.service)
        if status != "booked":
            appointment.status = status
            now = utcnow()
            db.session.add(Visit(appointment_id=appointment.id, status=status,
                                 arrived_at=now - timedelta(minutes=20),
                                 started_at=now - timedelta(minutes=10)
                                 if status in ("in_progress", "completed") else None,
                                 finished_at=now if status == "completed" else None))
            db.session.commit()
        return appointment

    return make


@pytest.fixture
def price_change(world):
    """The service's price from today (Moscow): 2 500 instead of its 2 200."""
    db.session.add(ServicePrice(service_id=world.service.id, price=Decimal("2500.00"),
                                effective_from=today() - timedelta(days=1)))
    db.session.commit()
    return Decimal("2500.00")


@pytest.fixture
def draft(world):
    """draft(appointment, lines=None) -> a draft invoice written by the service."""

    def make(appointment: Appointment, lines: list[LineInput] | None = None) -> Invoice:
        invoice = create_invoice(None, appointment, lines=lines)
        db.session.commit()
        return invoice

    return make
