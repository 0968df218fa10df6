"""Fixtures of the billing API tests: a branch with a priced service, a doctor, a patient
with an account, an appointment today, and callers of each role (bearer headers).

Registered for the whole suite in tests/conftest.py (`pytest_plugins`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clinicapp.catalog.models import Service
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment
from clinicapp.staff.models import Employee
from tests.conftest import bearer

MOSCOW = ZoneInfo("Europe/Moscow")
PRICE = Decimal("2200.00")


@dataclass
class Desk:
    clinic: Clinic
    other_clinic: Clinic
    doctor: Employee
    service: Service
    patient: Patient
    patient_headers: dict
    headers: dict  # role -> bearer headers of a user of that role in `clinic`


def _appointment_slot(hour: int) -> datetime:
    """Today at `hour`:00 in Moscow (an appointment row written directly, no rules)."""
    today = utcnow().astimezone(MOSCOW).date()
    return datetime.combine(today, time(hour), MOSCOW)


@pytest.fixture
def billing_desk(make_user, api_login) -> Desk:
    organization = db.session.scalar(db.select(Organization)) or Organization(name="ООО Тест")
    clinic = Clinic(organization=organization, name="Касса на Тверской")
    other = Clinic(organization=organization, name="Касса в другом филиале")
    db.session.add_all([clinic, other])
    db.session.flush()
    doctor = Employee(organization_id=organization.id, last_name="Платов", first_name="Иван",
                      is_doctor=True, specializations=["терапевт"])
    doctor.branches = [clinic]
    service = Service(code="B01.001", name="Приём терапевта", price=PRICE,
                      duration_minutes=30)
    service.clinics = [clinic]
    patient_user = make_user("patient")
    patient = Patient(organization_id=organization.id, last_name="Платёжкин", first_name="Пётр",
                      extra_phones=[], user_id=patient_user.id)
    db.session.add_all([doctor, service, patient])
    db.session.commit()
    headers = {}
    for role in ("cashier", "receptionist", "manager", "doctor"):
        user = make_user(role, branches=[clinic])
        if role == "doctor":
            doctor.user_id = user.id
            db.session.commit()
        headers[role] = bearer(api_login(user.email)["access"])
    stranger = make_user("cashier", branches=[other])
    headers["other_cashier"] = bearer(api_login(stranger.email)["access"])
    return Desk(clinic, other, doctor, service, patient,
                bearer(api_login(patient_user.email)["access"]), headers)


@pytest.fixture
def make_appointment(billing_desk):
    """make_appointment(hour=10, patient=None, service=True) -> an appointment today."""
    hours = iter(range(8, 20))

    def factory(*, patient=None, service: bool = True) -> Appointment:
        start = _appointment_slot(next(hours))
        appointment = Appointment(
            clinic_id=billing_desk.clinic.id, employee_id=billing_desk.doctor.id,
            patient_id=(patient or billing_desk.patient).id, starts_at=start,
            ends_at=start + timedelta(minutes=30),
            service_id=billing_desk.service.id if service else None)
        db.session.add(appointment)
        db.session.commit()
        return appointment

    return factory


@pytest.fixture
def finished_visit(client, billing_desk, make_appointment):
    """finished_visit() -> the visit JSON of an appointment marked «Принят» through the API
    (billing's draft invoice is written by `visit_finished`)."""

    def factory(**kwargs) -> dict:
        appointment = make_appointment(**kwargs)
        response = client.post("/api/v1/visits/visits", headers=billing_desk.headers[
            "receptionist"], json={"appointment": appointment.id, "status": "completed"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory


@pytest.fixture
def api_invoice(client, billing_desk, finished_visit):
    """api_invoice(amount=2200) -> the JSON of an invoice issued for a finished visit."""

    def factory(amount: float = 2200) -> dict:
        visit = finished_visit()
        response = client.post("/api/v1/billing/invoices", headers=billing_desk.headers[
            "receptionist"], json={"visit": visit["id"], "amount": amount})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory
