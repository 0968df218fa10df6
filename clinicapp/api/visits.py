"""Visits over JSON (document 002: /api/v1/visits/visits): the front desk's marks.

A visit moves its appointment's status along; the calendars see it live.
"""
from __future__ import annotations

import marshmallow as ma
from flask import g

from ..billing.queries import payment_states
from ..core.pagination import TOTAL_COUNT_DOC, LimitOffsetSchema, limit_offset, total_header
from ..org.clock import branch_today
from ..scheduling import queries as scheduling_queries
from ..scheduling.models import VISIT_STATUSES
from ..scheduling.serializers import iso_utc
from ..scheduling.status import open_visit, step_visit
from ..visits import queries
from .base import ApiBlueprint, require_auth
from .calendar import (
    BRANCH_HEADER_TEXT,
    MAX_LIST_DAYS,
    AppointmentSchema,
    _branch,
    body_id,
    day,
    day_range,
    query_id,
)
from .representations import appointment_json

ERRORS = {  # besides the defaults of ApiBlueprint
    403: "Недостаточно прав, чужой филиал или пациент другого врача (врач отмечает только "
         "своих пациентов)",
    404: "Визит или запись не найдены",
    409: "Визит по записи уже открыт, или такой шаг не допускается",
}

blp = ApiBlueprint("api_v1_visits", __name__, errors=ERRORS, tag="Визиты · 002",
                   url_prefix="/api/v1/visits",
                   description="Приход пациента, приём, завершение (документ 002)")

ID = "<int:visit_id>"


class VisitCreateSchema(ma.Schema):
    appointment = body_id("id записи", required=True)
    status = ma.fields.String(load_default="arrived", validate=ma.validate.OneOf(VISIT_STATUSES),
                              metadata={"description": "arrived (по умолчанию), in_progress, "
                                                       "completed или no_show"})


class VisitListQuerySchema(LimitOffsetSchema):
    branch = query_id("id филиала (или заголовок X-Branch-Id)")
    date = day("День приёма в поясе филиала (по умолчанию сегодня)", load_default=None)
    date_from = day("Первый день", load_default=None)
    date_to = day("Последний день включительно", load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(VISIT_STATUSES))


class VisitSchema(ma.Schema):
    id = ma.fields.Integer()
    appointment = ma.fields.Integer(metadata={"description": "id записи"})
    status = ma.fields.String(validate=ma.validate.OneOf(VISIT_STATUSES))
    branch = ma.fields.Integer()
    employee = ma.fields.Integer()
    patient = ma.fields.Integer()
    patient_name = ma.fields.String()
    arrived_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    started_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    finished_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    no_show_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    arrived_by = ma.fields.Integer(allow_none=True, metadata={
        "description": "Кто отметил приход (id пользователя); null — система или неизвестно"})
    started_by = ma.fields.Integer(allow_none=True, metadata={"description": "Кто начал приём"})
    finished_by = ma.fields.Integer(allow_none=True, metadata={"description": "Кто завершил"})
    no_show_by = ma.fields.Integer(allow_none=True, metadata={
        "description": "Кто отметил «не пришёл»; null — периодическая задача"})
    waiting_minutes = ma.fields.Integer(allow_none=True, metadata={
        "description": "Сколько минут ждёт приёма (пока статус arrived)"})
    created_at = ma.fields.String(metadata={"format": "date-time"})
    updated_at = ma.fields.String(metadata={"format": "date-time"})
    appointment_details = ma.fields.Nested(AppointmentSchema)


def visit_json(visit, *, payment_status: str | None = None) -> dict:
    appointment = visit.appointment
    return {
        "id": visit.id, "appointment": appointment.id, "status": visit.status,
        "branch": appointment.clinic_id, "employee": appointment.employee_id,
        "patient": appointment.patient_id, "patient_name": appointment.patient.full_name,
        "arrived_at": iso_utc(visit.arrived_at), "started_at": iso_utc(visit.started_at),
        "finished_at": iso_utc(visit.finished_at), "no_show_at": iso_utc(visit.no_show_at),
        "arrived_by": visit.arrived_by_id, "started_by": visit.started_by_id,
        "finished_by": visit.finished_by_id, "no_show_by": visit.no_show_by_id,
        "waiting_minutes": queries.waiting_minutes(visit),
        "created_at": iso_utc(visit.created_at), "updated_at": iso_utc(visit.updated_at),
        "appointment_details": appointment_json(appointment, payment_status=payment_status),
    }


def _visit(visit_id: int):
    _branch()
    return queries.visit_for(g.api_user, visit_id)


@blp.route("/visits", methods=["GET"])
@require_auth("calendar.view")
@blp.arguments(VisitListQuerySchema, location="query")
@blp.response(200, VisitSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def list_visits(query):
    """Визиты за день (`date`) или период (`date_from`–`date_to`), по времени записи."""
    clinic = _branch(query["branch"])
    date_from, date_to = day_range(query["date_from"] or query["date"],
                                   query["date_to"] or query["date"], branch_today(clinic),
                                   MAX_LIST_DAYS)
    statement = queries.visits_statement(g.api_user, branch_id=clinic.id if clinic else None,
                                         date_from=date_from, date_to=date_to,
                                         status=query["status"])
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    states = payment_states(v.appointment_id for v in rows)
    return [visit_json(v, payment_status=states[v.appointment_id]) for v in rows], 200, \
        total_header(total)


@blp.route("/visits", methods=["POST"])
@require_auth("visits.manage")
@blp.arguments(VisitCreateSchema, location="json")
@blp.response(201, VisitSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def create_visit(data):
    """Открыть визит по записи; статус записи становится тем же (`arrived`, `in_progress`…)."""
    _branch()
    appointment = scheduling_queries.appointment_for(g.api_user, data["appointment"])
    return visit_json(open_visit(g.api_user, appointment, data["status"]))


@blp.route(f"/visits/{ID}", methods=["GET"])
@require_auth("calendar.view")
@blp.response(200, VisitSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def get_visit(visit_id: int):
    """Визит с его записью."""
    return visit_json(_visit(visit_id))


# The front desk's steps: POST /visits/{id}/<step>, each a path of its own in the docs.
STEPS = {
    "mark_arrived": ("arrived",
                     "Пациент пришёл (и после «не пришёл» — опоздал); повторно — без изменений."),
    "start": ("in_progress", "Пациент зашёл к врачу (статус in_progress)."),
    "finish": ("completed", "Приём завершён (статус completed)."),
}


def _step_view(name: str, status: str, summary: str):
    def view(visit_id: int):
        return visit_json(step_visit(g.api_user, _visit(visit_id), status))

    view.__name__, view.__doc__ = name, summary
    view = blp.errors(400, 401, 403, 404, 409)(blp.response(200, VisitSchema)(view))
    return blp.route(f"/visits/{ID}/{name}", methods=["POST"])(require_auth("visits.manage")(view))


for _name, (_status, _summary) in STEPS.items():
    _step_view(_name, _status, _summary)


BLUEPRINTS = (blp,)
