"""Appointments for patients' apps (document 001) and doctors' free times.

`date` and `time` are the clinic's own wall clock, in and out, whatever the
server's zone. The slots live under /api/v1/doctors in a blueprint of their
own (the doctors' list and detail belong to api/staff.py).
"""
from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask import g

from ..core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from ..core.models import utcnow
from ..core.pagination import TOTAL_COUNT_DOC, LimitOffsetSchema, limit_offset, total_header
from ..org.clock import branch_today, branch_zone
from ..patients.queries import patient_for_user
from ..scheduling import queries, services, slots
from ..scheduling.models import STATUSES
from ..scheduling.rules import MAX_COMMENT, summary
from ..scheduling.status import change_status
from ..staff.queries import public_doctor
from .base import ApiBlueprint, require_auth
from .calendar import AppointmentSchema, BookedSchema, body_id, day, day_range, query_id, text
from .representations import appointment_json, appointments_json

ERRORS = {  # besides the defaults of ApiBlueprint
    403: "Записываться через приложение могут пациенты",
    404: "Запись или врач не найдены",
    409: "Время занято, или запись уже отменена",
}

blp = ApiBlueprint("api_v1_appointments", __name__, errors=ERRORS, tag="Записи · 001",
                   url_prefix="/api/v1/appointments",
                   description="Записи пациента на приём (документ 001)")
doctor_slots = ApiBlueprint("api_v1_doctor_slots", __name__, errors=ERRORS,
                            tag="Свободное время · 001", url_prefix="/api/v1/doctors",
                            description="Свободное время врачей для записи (без входа)")

# 002's field names (in the services' errors) as a 001 client sends them.
FIELDS_001 = {"branch": "clinic_id", "employee": "doctor_id", "service": "service_id",
              "start_datetime": "time", "end_datetime": "time"}


class BookSchema(ma.Schema):
    clinic_id = body_id("id клиники", required=True)
    doctor_id = body_id("id врача", required=True)
    service_id = body_id("id услуги: длительность приёма — её", required=True)
    date = day("День приёма в поясе клиники, например 2024-01-15", required=True)
    time = ma.fields.Time(required=True, error_messages={
        "required": "Обязательное поле", "null": "Обязательное поле",
        "invalid": "Ожидается время ЧЧ:ММ"},
        metadata={"description": "Время начала ЧЧ:ММ в поясе клиники", "example": "10:00"})
    comment = text(MAX_COMMENT, "Пожелание к приёму")


class MyAppointmentsQuerySchema(LimitOffsetSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    date_from = day("С этого дня (в поясе клиники)", load_default=None)
    date_to = day("По этот день включительно", load_default=None)


class SlotsQuerySchema(ma.Schema):
    date_from = day("Первый день (по умолчанию сегодня)", load_default=None)
    date_to = day(f"Последний день; период до {slots.MAX_RANGE_DAYS} дней "
                  "(по умолчанию неделя)", load_default=None)
    service_id = query_id("Услуга: её длительность и клиники, где её оказывают")
    clinic_id = query_id("Только эта клиника")
    duration = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=5, max=720),
                                 metadata={"description": "Минуты, если услуга не указана (по "
                                                          f"умолчанию {slots.DEFAULT_DURATION})"})
    step = ma.fields.Integer(load_default=slots.DEFAULT_STEP,
                             validate=ma.validate.OneOf(slots.STEPS),
                             metadata={"description": "Шаг сетки, минуты: 5, 10 или 15"})


class SlotSchema(ma.Schema):
    clinic_id = ma.fields.Integer()
    date = ma.fields.String(metadata={"format": "date"})
    time = ma.fields.String(metadata={"example": "10:00"})
    start_datetime = ma.fields.String(metadata={"format": "date-time"})
    end_datetime = ma.fields.String(metadata={"format": "date-time"})


def renamed(error: DomainError) -> DomainError:
    """The error with 002's field names turned into 001's."""
    if error.details:
        error.details = {FIELDS_001.get(k, k): v for k, v in error.details.items()}
        if isinstance(error, ValidationFailed):
            error.detail = summary(error.details)
    return error


def _patient():
    patient = patient_for_user(g.api_user)
    if patient is None:
        raise PermissionDenied("Записаться через приложение может только пациент",
                               code="not_a_patient")
    return patient


def _own(appointment_id: int):
    appointment = queries.own_appointment(g.api_user, appointment_id)
    if appointment is None:
        raise NotFound("Запись не найдена")
    return appointment


# --- /api/v1/appointments ------------------------------------------------------------

@blp.route("", methods=["POST"])
@require_auth()
@blp.arguments(BookSchema, location="json")
@blp.response(201, BookedSchema)
@blp.errors(400, 401, 403, 409)
def book(data):
    """Записаться: клиника, врач, услуга, `date` и `time` в поясе клиники.

    Конец — начало плюс длительность услуги; врач должен оказывать услугу в этой
    клинике; только в рабочее время врача и не в прошлом. Занятое время — 409.
    """
    patient = _patient()
    try:
        clinic = queries.referenced_clinic(data["clinic_id"], "clinic_id")
        doctor = queries.referenced_doctor(data["doctor_id"], "doctor_id")
        service = queries.referenced_service(data["service_id"], "service_id")
        zone = branch_zone(clinic)
        clock = data["time"].replace(tzinfo=None)
        if not slots.exists_locally(data["date"], clock, zone):
            raise ValidationFailed("time: такого времени в этот день нет (перевод часов)",
                                   details={"time": ["Такого времени в этот день нет "
                                                     "(перевод часов)"]})
        appointment, warnings = services.book_appointment(
            g.api_user, clinic=clinic, doctor=doctor, patient=patient, service=service,
            starts_at=slots.local_instant(data["date"], clock, zone), source="mobile",
            comment=data.get("comment"))
    except DomainError as error:
        raise renamed(error) from None
    return {**appointment_json(appointment), "warnings": warnings}


@blp.route("", methods=["GET"])
@require_auth()
@blp.arguments(MyAppointmentsQuerySchema, location="query")
@blp.response(200, AppointmentSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.errors(400, 401)
def my_appointments(query):
    """Мои записи, новые первыми; фильтры `status`, `date_from`, `date_to`; всего — в
    X-Total-Count. У сотрудника без карты пациента — пустой список."""
    patient = patient_for_user(g.api_user)
    if patient is None:
        return [], 200, total_header(0)
    if query["date_from"] and query["date_to"] and query["date_to"] < query["date_from"]:
        raise ValidationFailed("date_to раньше date_from",
                               details={"date_to": ["Не раньше date_from"]})
    statement = queries.patient_appointments_statement(
        patient.id, status=query["status"], date_from=query["date_from"],
        date_to=query["date_to"])
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    return appointments_json(rows), 200, total_header(total)


@blp.route("/<int:appointment_id>", methods=["DELETE"])
@require_auth()
@blp.response(200, AppointmentSchema, description="Запись отменена (status: cancelled)")
@blp.errors(400, 401, 404, 409)
def cancel(appointment_id: int):
    """Отменить свою запись — только до начала приёма (иначе 400); чужая — 404."""
    appointment = _own(appointment_id)
    try:
        change_status(g.api_user, appointment, "cancelled",
                             reason="Отменено пациентом в приложении")
    except DomainError as error:
        raise renamed(error) from None
    return appointment_json(appointment)


# --- /api/v1/doctors/{doctor_id}/slots -----------------------------------------------

@doctor_slots.route("/<int:doctor_id>/slots", methods=["GET"])
@doctor_slots.arguments(SlotsQuerySchema, location="query")
@doctor_slots.response(200, SlotSchema(many=True))
@doctor_slots.errors(400, 404)
def free_slots(query, doctor_id: int):
    """Свободное время врача (без входа): начала приёмов на сетке в рабочее время,
    не в прошлом, без занятых; `date`/`time` — в поясе клиники. Период до 31 дня."""
    doctor = public_doctor(doctor_id)
    clinics = [c for c in doctor.branches if c.is_active]
    duration = query["duration"] or slots.DEFAULT_DURATION
    if query["clinic_id"] is not None:
        clinics = [c for c in clinics if c.id == query["clinic_id"]]
        if not clinics:
            raise ValidationFailed("clinic_id: врач не принимает в этой клинике",
                                   details={"clinic_id": ["Врач не принимает в этой клинике"]})
    if query["service_id"] is not None:
        service = queries.referenced_service(query["service_id"], "service_id")
        if all(d.id != doctor.id for d in service.doctors):
            raise ValidationFailed("service_id: врач не оказывает эту услугу",
                                   details={"service_id": ["Врач не оказывает эту услугу"]})
        offered = {c.id for c in service.clinics}
        clinics = [c for c in clinics if c.id in offered]
        if not clinics:
            raise ValidationFailed("service_id: услугу не оказывают в клиниках врача",
                                   details={"service_id": ["Услугу не оказывают в этой "
                                                           "клинике"]})
        duration = service.duration_minutes
    now = utcnow()
    today = min((branch_today(c, now) for c in clinics), default=now.date())
    first = query["date_from"] or today
    last = query["date_to"] or (first + timedelta(days=6))
    first, last = day_range(first, last, today, slots.MAX_RANGE_DAYS)
    found = slots.doctor_slots(doctor.id, clinics, first, last, duration, query["step"], now)
    return [slot.as_json() for slot in found]


BLUEPRINTS = (blp, doctor_slots)
