"""Read-only selects of scheduling: lookups with clear errors, calendar lists, overlaps.

Dates in filters are the branch's local days: an appointment belongs to the
day its start falls on in its own branch's zone.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Date, cast, func
from sqlalchemy.orm import selectinload

from ..catalog.models import Service, service_clinics, service_doctors
from ..core.errors import NotFound, PermissionDenied, field_error
from ..core.permissions import can_see_branch
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.models import Clinic
from ..patients.models import Patient
from ..staff.models import Employee, employee_branches
from .models import ACTIVE_STATUSES, Appointment

# Every zone is within these offsets of UTC: a cheap indexable prefilter for local days.
EARLIEST_OFFSET, LATEST_OFFSET = timedelta(hours=14), timedelta(hours=12)
WITH_RELATIONS = (selectinload(Appointment.clinic), selectinload(Appointment.employee),
                  selectinload(Appointment.patient), selectinload(Appointment.service))


def _row(model, row_id):
    return db.session.get(model, row_id) if isinstance(row_id, int) and 0 < row_id <= MAX_ID \
        else None


def referenced_clinic(clinic_id: int, field: str = "branch") -> Clinic:
    """An active branch named in a request body; ValidationFailed naming `field` otherwise."""
    clinic = _row(Clinic, clinic_id)
    if clinic is None or not clinic.is_active:
        raise field_error(field, _("Нет такого филиала"))
    return clinic


def referenced_doctor(doctor_id: int, field: str = "employee") -> Employee:
    """An active doctor named in a request body; ValidationFailed naming `field` otherwise."""
    doctor = _row(Employee, doctor_id)
    if doctor is None or not doctor.is_active or not doctor.is_doctor:
        raise field_error(field, _("Нет такого врача"))
    return doctor


def referenced_patient(patient_id: int, field: str = "patient") -> Patient:
    patient = _row(Patient, patient_id)
    if patient is None:
        raise field_error(field, _("Нет такого пациента"))
    return patient


def referenced_service(service_id: int | None, field: str = "service") -> Service | None:
    """An active service, or None for None; ValidationFailed naming `field` when unknown."""
    if service_id is None:
        return None
    service = _row(Service, service_id)
    if service is None or not service.is_active:
        raise field_error(field, _("Нет такой услуги"))
    return service


def may_act_on(user, appointment: Appointment) -> bool:
    """Staff act in their branches; a patient only on their own appointments."""
    if user is None or not user.is_active:
        return False
    if user.is_staff:
        return can_see_branch(user, appointment.clinic_id)
    return appointment.patient.user_id == user.id


def appointment_for(user, appointment_id: int) -> Appointment:
    """The appointment the user may see.

    Raises NotFound (unknown, or a patient's look at someone else's) and
    PermissionDenied (staff of another branch).
    """
    appointment = _row(Appointment, appointment_id)
    if appointment is None or (not user.is_staff and not may_act_on(user, appointment)):
        raise NotFound(_("Запись не найдена"))
    if not may_act_on(user, appointment):
        raise PermissionDenied(_("Запись в филиале, к которому у вас нет доступа"),
                               code="branch_forbidden")
    return appointment


def own_appointment(user, appointment_id: int) -> Appointment | None:
    """The appointment if it is the signed-in patient's own, else None."""
    appointment = _row(Appointment, appointment_id)
    if appointment is None or appointment.patient.user_id != user.id:
        return None
    return appointment


def overlapping(doctor_id: int, start: datetime, end: datetime,
                exclude_id: int | None = None) -> list[Appointment]:
    """The doctor's non-cancelled appointments (any branch) that overlap [start, end)."""
    statement = (db.select(Appointment).options(*WITH_RELATIONS)
                 .where(Appointment.employee_id == doctor_id, Appointment.status != "cancelled",
                        Appointment.starts_at < end, Appointment.ends_at > start)
                 .order_by(Appointment.starts_at, Appointment.id))
    if exclude_id is not None:
        statement = statement.where(Appointment.id != exclude_id)
    return list(db.session.scalars(statement))


def patient_overlaps(patient_id: int, start: datetime, end: datetime, *,
                     exclude_id: int | None = None) -> list[Appointment]:
    """The patient's active appointments (with any doctor) that overlap [start, end)."""
    statement = (db.select(Appointment).options(*WITH_RELATIONS)
                 .where(Appointment.patient_id == patient_id,
                        Appointment.status.in_(ACTIVE_STATUSES),
                        Appointment.starts_at < end, Appointment.ends_at > start)
                 .order_by(Appointment.starts_at, Appointment.id))
    if exclude_id is not None:
        statement = statement.where(Appointment.id != exclude_id)
    return list(db.session.scalars(statement))


def _local_days(statement, date_from: date | None, date_to: date | None):
    """Keep appointments whose start falls on local days date_from..date_to of their branch."""
    local_day = cast(func.timezone(Clinic.timezone, Appointment.starts_at), Date)
    statement = statement.join(Clinic, Clinic.id == Appointment.clinic_id)
    if date_from is not None:
        earliest = datetime.combine(date_from, time(0), UTC) - EARLIEST_OFFSET
        statement = statement.where(Appointment.starts_at >= earliest, local_day >= date_from)
    if date_to is not None:
        latest = datetime.combine(date_to + timedelta(days=1), time(0), UTC) + LATEST_OFFSET
        statement = statement.where(Appointment.starts_at < latest, local_day <= date_to)
    return statement


def scoped(statement, user, *, branch_id: int | None = None, date_from: date | None = None,
           date_to: date | None = None, employee_id: int | None = None,
           status: str | None = None):
    """The calendar's filters on any select that includes Appointment.

    Only the user's branches; `branch_id` must already be checked against the user.
    """
    visible = visible_branch_ids(user)
    if visible is not None:
        statement = statement.where(Appointment.clinic_id.in_(visible))
    if branch_id is not None:
        statement = statement.where(Appointment.clinic_id == branch_id)
    if employee_id is not None:
        statement = statement.where(Appointment.employee_id == employee_id)
    if status is not None:
        statement = statement.where(Appointment.status == status)
    return _local_days(statement, date_from, date_to)


def calendar_statement(user, **filters):
    """Appointments of the user's branches, filtered as `scoped`, by start and doctor."""
    statement = scoped(db.select(Appointment).options(*WITH_RELATIONS), user, **filters)
    return statement.order_by(Appointment.starts_at, Appointment.employee_id, Appointment.id)


def patient_appointments_statement(patient_id: int, *, status: str | None = None,
                                   date_from: date | None = None, date_to: date | None = None):
    """A patient's own appointments, newest first (document 001's list)."""
    statement = (db.select(Appointment).options(*WITH_RELATIONS)
                 .where(Appointment.patient_id == patient_id))
    if status is not None:
        statement = statement.where(Appointment.status == status)
    statement = _local_days(statement, date_from, date_to)
    return statement.order_by(Appointment.starts_at.desc(), Appointment.id.desc())


def day_appointments(branch_id: int, first: date, last: date | None = None, *,
                     employee_id: int | None = None,
                     include_cancelled: bool = False) -> list[Appointment]:
    """A branch's appointments on local days first..last (the calendar's day and week views)."""
    statement = (db.select(Appointment).options(*WITH_RELATIONS)
                 .where(Appointment.clinic_id == branch_id))
    if employee_id is not None:
        statement = statement.where(Appointment.employee_id == employee_id)
    if not include_cancelled:
        statement = statement.where(Appointment.status != "cancelled")
    statement = _local_days(statement, first, last or first)
    return list(db.session.scalars(statement.order_by(Appointment.starts_at, Appointment.id)))


def branch_doctors(branch_id: int) -> list[Employee]:
    """Active doctors working in the branch: the calendar's columns, by name."""
    return list(db.session.scalars(
        db.select(Employee).join(employee_branches, employee_branches.c.employee_id == Employee.id)
        .where(employee_branches.c.clinic_id == branch_id, Employee.is_doctor,
               Employee.is_active)
        .order_by(Employee.last_name, Employee.first_name, Employee.id)))


def own_doctor(user) -> Employee | None:
    """The active doctor whose staff card is linked to the signed-in account, if any."""
    if user is None or not user.is_staff:
        return None
    return db.session.scalar(db.select(Employee).where(
        Employee.user_id == user.id, Employee.is_doctor, Employee.is_active))


def no_show_count(patient_id: int) -> int:
    """How many appointments the patient missed (the patient card shows it)."""
    return db.session.scalar(db.select(func.count()).select_from(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.status == "no_show"))


def doctor_services(doctor: Employee | None, clinic: Clinic) -> list[Service]:
    """Active services the doctor gives in the branch, by name (the dialog's choices)."""
    if doctor is None:
        return []
    return list(db.session.scalars(
        db.select(Service).join(service_doctors, service_doctors.c.service_id == Service.id)
        .join(service_clinics, service_clinics.c.service_id == Service.id)
        .where(service_doctors.c.employee_id == doctor.id,
               service_clinics.c.clinic_id == clinic.id, Service.is_active)
        .order_by(Service.name, Service.id)))
