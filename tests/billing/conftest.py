"""Fixtures of the billing tests: a world with two branches, a doctor, a priced service,
patients, and factories for appointments, invoices and payments (the services write them,
as any surface would). The API tests use them too."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest

from clinicapp.billing import invoices as invoice_services
from clinicapp.billing import payments as payment_services
from clinicapp.billing.models import Invoice, Payment
from clinicapp.catalog.models import Service
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.org.models import Clinic
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment
from clinicapp.staff.models import Employee

# The browser fixtures of the e2e tests, for test_desk_browser.py.
from tests.e2e.conftest import browser, phone_browser  # noqa: F401

PRICE = Decimal("1500.00")


def money_text(amount: str, currency: str = "RUB") -> str:
    """An amount as the Russian pages show it: «1 500,00 RUB» (no-break space in groups)."""
    whole, _dot, cents = f"{Decimal(amount):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{groups},{cents}\u00a0{currency}"


@dataclass
class BillingWorld:
    """Branch A (Moscow) and B (Almaty) of one organization; a doctor in both; a service
    at 1 500.00 in A; two patients. `appointment()`, `invoice()` and `pay()` write more."""

    a: Clinic
    b: Clinic
    doctor: Employee
    service: Service
    patient: Patient
    patient2: Patient
    _slots: count = field(default_factory=lambda: count(0))

    def appointment(self, *, clinic: Clinic | None = None, patient: Patient | None = None,
                    service: Service | None = None, status: str = "completed") -> Appointment:
        """A past-today appointment (written directly, each in a slot of its own)."""
        start = (utcnow().replace(second=0, microsecond=0) - timedelta(hours=20)
                 + timedelta(minutes=30 * next(self._slots)))
        appointment = Appointment(
            clinic_id=(clinic or self.a).id, employee_id=self.doctor.id,
            patient_id=(patient or self.patient).id, starts_at=start,
            ends_at=start + timedelta(minutes=30), status=status,
            service_id=(service or self.service).id)
        db.session.add(appointment)
        db.session.commit()
        return appointment

    def invoice(self, *, clinic: Clinic | None = None, patient: Patient | None = None,
                lines: list | None = None, amount: Decimal | None = None,
                issue: bool = True, actor=None) -> Invoice:
        """An invoice for a new appointment: the service at its price, issued by default.
        `lines`: [(name, unit_price, quantity)] for free-text lines instead."""
        appointment = self.appointment(clinic=clinic, patient=patient)
        written = None if lines is None else [
            invoice_services.LineInput(None, name=name, unit_price=Decimal(price),
                                       quantity=quantity) for name, price, quantity in lines]
        invoice = invoice_services.create_invoice(actor, appointment, lines=written,
                                                  amount=amount, issue=issue)
        db.session.commit()
        return invoice

    def pay(self, invoice: Invoice, amount: str, method: str = "cash", *, actor=None,
            tendered: str | None = None) -> Payment:
        """A succeeded payment taken at the desk."""
        payment = payment_services.record_payment(
            actor, invoice, method=method, amount=Decimal(amount),
            tendered=Decimal(tendered) if tendered else None)
        db.session.commit()
        return payment


@pytest.fixture
def billing_world(make_clinic) -> BillingWorld:
    a = make_clinic("Клиника на Тверской")
    b = make_clinic("Клиника в Алматы", "Asia/Almaty")
    doctor = Employee(organization_id=a.organization_id, last_name="Докторов",
                      first_name="Иван", is_doctor=True, specializations=["терапевт"],
                      position="Врач-терапевт")
    doctor.branches = [a, b]
    service = Service(code="B01.047.001", name="Приём терапевта первичный", price=PRICE,
                      duration_minutes=30)
    service.clinics = [a, b]
    service.doctors = [doctor]
    patient = Patient(organization_id=a.organization_id, last_name="Пациентов",
                      first_name="Пётр", extra_phones=[])
    patient2 = Patient(organization_id=a.organization_id, last_name="Вторых",
                       first_name="Олег", extra_phones=[])
    db.session.add_all([doctor, service, patient, patient2])
    db.session.commit()
    return BillingWorld(a, b, doctor, service, patient, patient2)


@pytest.fixture
def issued_invoice(billing_world) -> Invoice:
    """An issued invoice of 1 500.00 RUB in branch A for world.patient."""
    return billing_world.invoice()
