"""Fixtures of the scheduling tests: two branches in different zones, doctors with
working hours, a service, patients, and callers of every kind."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clinicapp.catalog.models import Service
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.org.models import Clinic
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment, ScheduleException, WorkingInterval
from clinicapp.staff.models import Employee
from tests.conftest import bearer

MOSCOW, ALMATY = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Almaty")


def future_day(weekday: int = 0, weeks: int = 1) -> date:
    """A date of that weekday at least two days (and `weeks` weeks) ahead."""
    start = utcnow().date() + timedelta(days=2 + 7 * (weeks - 1))
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def at(day: date, clock: str, zone: ZoneInfo = MOSCOW) -> datetime:
    """The instant of a wall-clock time in `zone`, as UTC."""
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def z(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class World:
    a: Clinic  # Moscow
    b: Clinic  # Almaty
    doctor: Employee  # works in A (every day 09–13, 14–18) and in B (no hours there)
    other_doctor: Employee  # A only, same hours
    service: Service  # 30 minutes, A, both doctors
    patient: Patient
    patient2: Patient


def make_doctor(clinics, last_name: str, hours=(("09:00", "13:00"), ("14:00", "18:00")),
                weekdays=range(7), hours_in=None) -> Employee:
    doctor = Employee(organization_id=clinics[0].organization_id, last_name=last_name,
                      first_name="Иван", middle_name="Петрович", is_doctor=True,
                      specializations=["терапевт"], position="Врач-терапевт")
    doctor.branches = list(clinics)
    db.session.add(doctor)
    db.session.flush()
    for clinic in hours_in or clinics[:1]:
        for weekday in weekdays:
            for start, end in hours:
                db.session.add(WorkingInterval(
                    employee_id=doctor.id, clinic_id=clinic.id, weekday=weekday,
                    starts_at=time.fromisoformat(start), ends_at=time.fromisoformat(end)))
    db.session.commit()
    return doctor


@pytest.fixture
def world(make_clinic) -> World:
    a = make_clinic("Клиника на Тверской")
    b = make_clinic("Клиника в Алматы", "Asia/Almaty")
    doctor = make_doctor([a, b], "Докторов")
    other = make_doctor([a], "Другов")
    service = Service(code="B01.047.001", name="Приём терапевта первичный",
                      price=Decimal("2200"), duration_minutes=30)
    service.clinics = [a]
    service.doctors = [doctor, other]
    patient = Patient(organization_id=a.organization_id, last_name="Пациентов",
                      first_name="Пётр", extra_phones=[])
    patient2 = Patient(organization_id=a.organization_id, last_name="Вторых",
                       first_name="Олег", extra_phones=[])
    db.session.add_all([service, patient, patient2])
    db.session.commit()
    return World(a, b, doctor, other, service, patient, patient2)


@pytest.fixture
def api_as(make_user, api_login):
    """api_as(role, branches=(...)) -> (user, headers with a bearer token)."""

    def login(role: str = "receptionist", branches=()):
        user = make_user(role, branches=branches)
        return user, bearer(api_login(user.email)["access"])

    return login


@pytest.fixture
def desk(world, api_as):
    """A receptionist of branch A: (user, headers)."""
    return api_as("receptionist", branches=[world.a])


@pytest.fixture
def patient_api(world, make_user, api_login):
    """The signed-in patient of world.patient: (user, headers)."""
    user = make_user("patient")
    world.patient.user_id = user.id
    db.session.commit()
    return user, bearer(api_login(user.email)["access"])


@pytest.fixture
def add_appointment(world):
    """add_appointment(start, end, doctor=, patient=, status=, clinic=) -> a row written
    directly (no checks, past allowed)."""

    def factory(start: datetime, end: datetime | None = None, *, doctor=None, patient=None,
                status: str = "booked", clinic=None, service=None) -> Appointment:
        appointment = Appointment(
            clinic_id=(clinic or world.a).id, employee_id=(doctor or world.doctor).id,
            patient_id=(patient or world.patient).id, starts_at=start,
            ends_at=end or start + timedelta(minutes=30), status=status,
            service_id=service.id if service else None)
        db.session.add(appointment)
        db.session.commit()
        return appointment

    return factory


def add_exception(doctor, day: date, kind: str, clinic=None, hours=None) -> ScheduleException:
    start, end = (time.fromisoformat(hours[0]), time.fromisoformat(hours[1])) if hours \
        else (None, None)
    row = ScheduleException(employee_id=doctor.id, day=day, kind=kind,
                            clinic_id=clinic.id if clinic else None, starts_at=start,
                            ends_at=end)
    db.session.add(row)
    db.session.commit()
    return row
