"""The staff calendar over JSON (document 002: /api/v1/calendar/appointments).

Ids use integer converters, so `/appointments/conflicts` never reaches
`/appointments/{id}`. Times are ISO 8601 instants (`…Z` or with an offset; a
time without an offset is read on the branch's wall clock).
"""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask import g, request

from ..billing.queries import PAYMENT_STATES
from ..core.errors import PermissionDenied, ValidationFailed
from ..core.permissions import can_see_branch, has_permission
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.branches import branch_for, requested_branch_id
from ..org.clock import branch_today
from ..scheduling import queries, services
from ..scheduling.models import SOURCES, STATUSES
from ..scheduling.rules import MAX_COMMENT, MAX_REASON, as_utc
from ..scheduling.status import change_status
from ..staff.queries import employee_for
from .base import ApiBlueprint, require_auth
from .representations import appointment_json, appointments_json

ERRORS = {  # besides the defaults of ApiBlueprint
    403: "Недостаточно прав или чужой филиал",
    404: "Запись или филиал не найдены",
    409: "Время у врача занято (details.conflicts — id записей) или статус не позволяет",
}

blp = ApiBlueprint("api_v1_calendar", __name__, errors=ERRORS, tag="Календарь · 002",
                   url_prefix="/api/v1/calendar",
                   description="Записи на приём для регистратуры (документ 002)")

ID = "<int:appointment_id>"
MIN_DAY, MAX_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_LIST_DAYS = 62
REQUIRED = {"required": "Обязательное поле", "null": "Поле не может быть пустым"}
BRANCH_HEADER_TEXT = "Филиал (вместо параметра или поля `branch`)"


# --- fields shared by the scheduling API modules -------------------------------------

class StrictBoolean(ma.fields.Boolean):
    """JSON true/false only (not 1, "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError("Ожидается true или false")
        return value


def body_id(description: str, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID),
                             error_messages={**REQUIRED, "invalid": "Ожидается целое число"},
                             metadata={"description": description}, **kwargs)


def query_id(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=MAX_ID),
                             error_messages={"invalid": "Ожидается целое число"},
                             metadata={"description": description})


def instant(description: str, **kwargs) -> ma.fields.DateTime:
    return ma.fields.DateTime(error_messages={**REQUIRED, "invalid": "Ожидается дата и время "
                                              "ISO 8601, например 2024-01-15T10:00:00Z"},
                              metadata={"description": description,
                                        "example": "2024-01-15T10:00:00Z"}, **kwargs)


def day(description: str, **kwargs) -> ma.fields.Date:
    return ma.fields.Date(validate=ma.validate.Range(min=MIN_DAY, max=MAX_DAY,
                                                     error="Дата от 2000-01-01 до 2100-12-31"),
                          error_messages={**REQUIRED, "invalid": "Ожидается дата ГГГГ-ММ-ДД"},
                          metadata={"description": description}, **kwargs)


def text(limit: int, description: str) -> ma.fields.String:
    return ma.fields.String(allow_none=True, validate=ma.validate.Length(
        max=limit, error=f"Не длиннее {limit} символов"), metadata={"description": description})


def day_range(date_from: date | None, date_to: date | None, today: date,
              max_days: int) -> tuple[date, date]:
    """date_from..date_to with defaults (today; one equals the other); at most `max_days`."""
    date_from = date_from or date_to or today
    date_to = date_to or date_from
    if date_to < date_from:
        raise ValidationFailed("date_to раньше date_from",
                               details={"date_to": ["Не раньше date_from"]})
    if (date_to - date_from).days + 1 > max_days:
        raise ValidationFailed(f"Период не больше {max_days} дней",
                               details={"date_to": [f"Период не больше {max_days} дней"]})
    return date_from, date_to


# --- schemas -------------------------------------------------------------------------

class AppointmentSchema(ma.Schema):
    """Documents 001 and 002 together; `date`/`time` on the branch's wall clock."""

    id = ma.fields.Integer()
    branch = ma.fields.Integer(metadata={"description": "id филиала (002)"})
    clinic_id = ma.fields.Integer(metadata={"description": "id клиники (001), = branch"})
    employee = ma.fields.Integer(metadata={"description": "id врача (002)"})
    doctor_id = ma.fields.Integer(metadata={"description": "id врача (001), = employee"})
    doctor_name = ma.fields.String()
    patient = ma.fields.Integer()
    patient_name = ma.fields.String(allow_none=True)
    service = ma.fields.Integer(allow_none=True)
    service_id = ma.fields.Integer(allow_none=True)
    service_name = ma.fields.String(allow_none=True)
    start_datetime = ma.fields.String(metadata={"format": "date-time",
                                                "example": "2024-01-15T10:00:00Z"})
    end_datetime = ma.fields.String(metadata={"format": "date-time"})
    date = ma.fields.String(metadata={"format": "date", "description": "День в поясе филиала"})
    time = ma.fields.String(metadata={"example": "10:00", "description": "ЧЧ:ММ в поясе филиала"})
    duration = ma.fields.Integer(metadata={"description": "Минуты"})
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    payment_status = ma.fields.String(
        validate=ma.validate.OneOf(PAYMENT_STATES), dump_only=True,
        metadata={"description": "Оплата по счёту записи (только чтение): unpaid — не "
                                 "оплачено или счёта нет, partially_paid, paid, refunded"})
    is_primary = ma.fields.Boolean()
    source = ma.fields.String(validate=ma.validate.OneOf(SOURCES))
    comment = ma.fields.String(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    outside_hours = ma.fields.Boolean(metadata={"description": "Записан вне графика врача"})
    created_at = ma.fields.String(metadata={"format": "date-time"})
    updated_at = ma.fields.String(metadata={"format": "date-time"})


class WarningSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "patient_overlap"})
    detail = ma.fields.String()
    appointment = ma.fields.Integer(metadata={"description": "Пересекающаяся запись пациента"})


class BookedSchema(AppointmentSchema):
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema), metadata={
        "description": "Предупреждения: пациент в это время записан к другому врачу"})


class CalendarQuerySchema(ma.Schema):
    branch = query_id("id филиала (или заголовок X-Branch-Id); без него — все ваши")
    date_from = day("Первый день, в поясе филиала (по умолчанию сегодня)", load_default=None)
    date_to = day(f"Последний день включительно; период до {MAX_LIST_DAYS} дней",
                  load_default=None)
    employee = query_id("id врача")
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class AppointmentCreateSchema(ma.Schema):
    branch = body_id("id филиала (или заголовок X-Branch-Id)")
    employee = body_id("id врача", required=True)
    patient = body_id("id пациента", required=True)
    service = body_id("id услуги: окончание по её длительности", allow_none=True)
    start_datetime = instant("Начало", required=True)
    end_datetime = instant("Окончание (без него — по длительности услуги)", allow_none=True)
    status = ma.fields.String(load_default="booked",
                              validate=ma.validate.OneOf(("booked", "confirmed")))
    is_primary = StrictBoolean(load_default=False, metadata={"description": "Первичный приём"})
    comment = text(MAX_COMMENT, "Комментарий регистратуры")
    override_hours = StrictBoolean(load_default=False, metadata={
        "description": "Записать вне рабочего времени врача (фиксируется в журнале)"})


class AppointmentPatchSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES), metadata={
        "description": "booked → confirmed → arrived → in_progress → completed; cancelled; "
                       "no_show"})
    comment = text(MAX_COMMENT, "Комментарий")
    service = body_id("id услуги или null", allow_none=True)
    is_primary = StrictBoolean()
    cancel_reason = text(MAX_REASON, "Причина отмены (со статусом cancelled)")
    start_datetime = instant("Новое начало (перенос)")
    end_datetime = instant("Новое окончание")
    employee = body_id("Другой врач")
    override_hours = StrictBoolean(load_default=False)


class MoveSchema(ma.Schema):
    start_datetime = instant("Новое начало", required=True)
    end_datetime = instant("Новое окончание (без него — длительность прежняя)", allow_none=True)
    employee = body_id("Другой врач того же филиала")
    override_hours = StrictBoolean(load_default=False)


class CancelQuerySchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=MAX_REASON),
                              metadata={"description": "Причина отмены"})


class ConflictsQuerySchema(ma.Schema):
    employee = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID),
                                 error_messages={**REQUIRED, "invalid": "Ожидается целое число"},
                                 metadata={"description": "id врача"})
    start_datetime = instant("Начало", required=True)
    end_datetime = instant("Окончание", required=True)
    exclude = query_id("Не считать эту запись (при переносе)")


# --- helpers -------------------------------------------------------------------------

def _branch(query_branch: int | None = None):
    """The branch named by `branch` and/or X-Branch-Id, checked against the caller, or None
    (a blank header is a 400: org.branches)."""
    branch_id = requested_branch_id(query_branch)
    return branch_for(g.api_user, branch_id) if branch_id is not None else None


def _appointment(appointment_id: int):
    _branch()
    return queries.appointment_for(g.api_user, appointment_id)


def _conflict_json(appointment) -> dict:
    """A clash as the caller may see it: no patient details from another branch."""
    data = appointment_json(appointment)
    if not can_see_branch(g.api_user, appointment.clinic_id):
        data.update(patient_name=None, comment=None)
    return data


# --- endpoints -----------------------------------------------------------------------

@blp.route("/appointments", methods=["GET"])
@require_auth("calendar.view")
@blp.arguments(CalendarQuerySchema, location="query")
@blp.response(200, AppointmentSchema(many=True))
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def list_appointments(query):
    """Записи за период (дни — в поясе филиала), по времени; фильтры `employee`, `status`.

    Все записи периода (до 62 дней), включая отменённые — отфильтруйте `status`.
    """
    clinic = _branch(query["branch"])
    date_from, date_to = day_range(query["date_from"], query["date_to"], branch_today(clinic),
                                   MAX_LIST_DAYS)
    statement = queries.calendar_statement(
        g.api_user, branch_id=clinic.id if clinic else None, date_from=date_from,
        date_to=date_to, employee_id=query["employee"], status=query["status"])
    return appointments_json(db.session.scalars(statement))


@blp.route("/appointments", methods=["POST"])
@require_auth("calendar.manage")
@blp.arguments(AppointmentCreateSchema, location="json")
@blp.response(201, BookedSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def create_appointment(data):
    """Записать пациента. Занятое время — 409 с названной записью; вне графика — 400
    (`error: outside_working_hours`), если не передан `override_hours: true`."""
    clinic = _branch(data.get("branch"))
    if clinic is None:
        raise ValidationFailed("Укажите филиал: branch или X-Branch-Id",
                               details={"branch": ["Обязательное поле"]})
    appointment, warnings = services.book_appointment(
        g.api_user, clinic=clinic, doctor=queries.referenced_doctor(data["employee"]),
        patient=queries.referenced_patient(data["patient"]),
        service=queries.referenced_service(data.get("service")),
        starts_at=data["start_datetime"], ends_at=data.get("end_datetime"), source="staff",
        is_primary=data["is_primary"], comment=data.get("comment"),
        override_hours=data["override_hours"], status=data["status"])
    return {**appointment_json(appointment), "warnings": warnings}


@blp.route("/appointments/conflicts", methods=["GET"])
@require_auth("calendar.view")
@blp.arguments(ConflictsQuerySchema, location="query")
@blp.response(200, AppointmentSchema(many=True))
@blp.errors(400, 401, 403, 404)
def conflicts(query):
    """Записи врача (в любом филиале), пересекающие период; пусто — время свободно."""
    doctor = employee_for(g.api_user, query["employee"])
    start, end = query["start_datetime"], query["end_datetime"]
    clinic = doctor.branches[0] if doctor.branches else None
    if clinic is not None:
        start, end = as_utc(start, clinic), as_utc(end, clinic, "end_datetime")
    elif start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("Укажите время с часовым поясом",
                               details={"start_datetime": ["Например 2024-01-15T10:00:00Z"]})
    if end <= start:
        raise ValidationFailed("end_datetime: окончание должно быть позже начала",
                               details={"end_datetime": ["Окончание должно быть позже начала"]})
    return [_conflict_json(a) for a in queries.overlapping(doctor.id, start, end,
                                                           query["exclude"])]


@blp.route(f"/appointments/{ID}", methods=["GET"])
@require_auth("calendar.view")
@blp.response(200, AppointmentSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def get_appointment(appointment_id: int):
    """Запись (чужой филиал — 403)."""
    return appointment_json(_appointment(appointment_id))


@blp.route(f"/appointments/{ID}", methods=["PATCH"])
@require_auth("calendar.view")
@blp.arguments(AppointmentPatchSchema, location="json", required=False)
@blp.response(200, BookedSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def update_appointment(data, appointment_id: int):
    """Изменить переданные поля: статус, комментарий, услугу, «первичный»; время и врача
    (как `/move`). Поля и время меняет регистратура (право calendar.manage); статус —
    по тем же правилам, что в календаре и на стойке: «подтвердил» и отмена —
    calendar.manage, приход и приём (arrived, in_progress, completed, no_show) —
    visits.manage (врач — только у своих пациентов); cancelled — отмена с `cancel_reason`."""
    appointment = _appointment(appointment_id)
    user = g.api_user
    if set(data) - {"status", "cancel_reason", "override_hours"} \
            and not has_permission(user, "calendar.manage"):
        raise PermissionDenied("Менять время, врача и поля записи может регистратура")
    warnings: list = []
    if any(key in data for key in ("start_datetime", "end_datetime", "employee")):
        employee = queries.referenced_doctor(data["employee"]) if "employee" in data else None
        appointment, warnings = services.move_appointment(
            user, appointment, data.get("start_datetime", appointment.starts_at),
            data.get("end_datetime"), employee, override_hours=data["override_hours"])
    fields = {key: data[key] for key in ("comment", "is_primary") if key in data}
    if "service" in data:
        fields["service"] = queries.referenced_service(data["service"])
    if fields:
        services.update_appointment(user, appointment, **fields)
    if data.get("status") is not None:
        change_status(user, appointment, data["status"], reason=data.get("cancel_reason"))
    return {**appointment_json(appointment), "warnings": warnings}


@blp.route(f"/appointments/{ID}", methods=["DELETE"])
@require_auth("calendar.manage")
@blp.arguments(CancelQuerySchema, location="query")
@blp.response(200, AppointmentSchema, description="Запись отменена (status: cancelled)")
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def cancel_appointment(query, appointment_id: int):
    """Отменить запись (она остаётся в истории со статусом cancelled, время освобождается).

    Причина — `reason` в строке запроса или в JSON-теле. Ответ — отменённая запись.
    """
    appointment = _appointment(appointment_id)
    body = request.get_json(silent=True)
    reason = query["reason"]
    if reason is None and isinstance(body, dict) and isinstance(body.get("reason"), str):
        reason = body["reason"]
    return appointment_json(change_status(g.api_user, appointment, "cancelled",
                                                 reason=reason))


@blp.route(f"/appointments/{ID}/move", methods=["POST"])
@require_auth("calendar.manage")
@blp.arguments(MoveSchema, location="json")
@blp.response(200, BookedSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def move_appointment(data, appointment_id: int):
    """Перенести (drag & drop) или растянуть запись; занятое время — 409 с названной записью."""
    appointment = _appointment(appointment_id)
    employee = queries.referenced_doctor(data["employee"]) if data.get("employee") else None
    appointment, warnings = services.move_appointment(
        g.api_user, appointment, data["start_datetime"], data.get("end_datetime"), employee,
        override_hours=data["override_hours"])
    return {**appointment_json(appointment), "warnings": warnings}


BLUEPRINTS = (blp,)
