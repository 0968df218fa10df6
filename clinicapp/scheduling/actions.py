"""The calendar's dialogs and drag and drop: book, look, change, cancel, move.

Each answers htmx with a fragment for the page's one <dialog> (or, for a move,
the appointment's block); a refused action answers 400/403/409 with the same
fragment carrying the reason, and nothing is written (one transaction per
request). Success tells the page through the `HX-Trigger` event
`calendar-saved` ({"id", "message", "removed"}) so it can refresh the block
even when the Socket.IO connection is down.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import make_response, render_template, request
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ..core.branches import branch_for
from ..core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from ..core.forms import show_errors
from ..core.models import utcnow
from ..core.permissions import acting_user, has_permission, require_permission
from ..extensions import db
from ..org.queries import require_own_organization
from ..patients import services as patient_services
from ..patients.models import Patient
from ..patients.queries import search_patients
from . import queries, services, slots
from .forms import CANCEL_REASONS, AppointmentForm, CancelForm, EditForm, MoveForm
from .models import Appointment
from .rules import STATUS_LABELS, allowed_transitions, span_text
from .serializers import branch_zone
from .views import bad_parameter, bp, parse_day, render_block

# The status steps offered in an appointment's dialog, in this order.
STATUS_ACTIONS = (("confirmed", "Подтвердить"), ("arrived", "Пришёл"),
                  ("in_progress", "На приёме"), ("completed", "Завершить"),
                  ("no_show", "Не пришёл"))
PICKER_LIMIT = 8


def _trigger(response, **payload):
    """Attach the `calendar-saved` event (ASCII JSON: headers are Latin-1)."""
    response.headers["HX-Trigger"] = json.dumps({"calendar-saved": payload}, ensure_ascii=True)
    return response


def _saved(appointment: Appointment, message: str, body: str = "", status: int = 200,
           removed: bool = False):
    return _trigger(make_response(body, status), id=appointment.id, message=message,
                    removed=removed)


def _branch_from_args():
    raw = request.args.get("branch", "").strip()
    if not raw.isdigit():
        raise bad_parameter("branch", "Ожидается id филиала")
    return branch_for(acting_user(), int(raw))


def _fill_choices(form, clinic, doctor_id: int | None) -> None:
    """The branch's doctors and the chosen one's services (with their durations) on `form`."""
    doctors = queries.branch_doctors(clinic.id)
    form.doctor.choices = [SelectChoice(d.id, d.full_name) for d in doctors]
    chosen = next((d for d in doctors if d.id == doctor_id), doctors[0] if doctors else None)
    offered = queries.doctor_services(chosen, clinic)
    form.service.choices = [SelectChoice(0, "Без услуги")] + [SelectChoice(s.id, s.name)
                                                              for s in offered]
    form.durations = {s.id: s.duration_minutes for s in offered}


def _form_context(form, clinic, **extra) -> dict:
    return {"form": form, "clinic": clinic, "durations": form.durations, **extra}


def _naive_start(form) -> datetime:
    return datetime.combine(form.day.data, form.time.data)


def _show_failure(form, error: DomainError) -> dict:
    """Put a refusal on the form; returns what the template needs besides."""
    show_errors(form, error, lambda name: {"start_datetime": "time", "end_datetime": "minutes",
                                           "employee": "doctor"}.get(name, name))
    return {"show_override": error.code == "outside_working_hours"}


# --- a new appointment -------------------------------------------------------------

def _new_form(clinic) -> AppointmentForm:
    form = AppointmentForm()
    requested = request.values.get("doctor", "")
    doctor_id = int(requested) if requested.isdigit() else None
    _fill_choices(form, clinic, doctor_id)
    if request.method == "GET":
        form.doctor.data = doctor_id
        form.day.data = parse_day(request.args.get("day"),
                                  utcnow().astimezone(branch_zone(clinic)).date())
        raw_time = request.args.get("time", "")
        try:
            form.time.data = datetime.strptime(raw_time, "%H:%M").time() if raw_time else None
        except ValueError as exc:
            raise bad_parameter("time", "Ожидается время ЧЧ:ММ") from exc
    return form


def _chosen_patient(form, clinic) -> Patient:
    """The picked patient, or the one typed in (registered now, in this transaction)."""
    if form.new_patient.data:
        organization = require_own_organization(acting_user(), clinic.organization_id)
        return patient_services.create_patient(acting_user(), organization,
                                               form.new_patient_data(clinic.id))
    patient_id = form.patient_id()
    if patient_id is None:
        raise ValidationFailed("patient: выберите пациента",
                               details={"patient_query": ["Найдите и выберите пациента "
                                                          "или заведите нового"]})
    patient = queries.referenced_patient(patient_id, "patient_query")
    if patient.organization_id != clinic.organization_id:
        raise ValidationFailed("patient: нет такого пациента",
                               details={"patient_query": ["Нет такого пациента"]})
    return patient


def _book(form, clinic) -> tuple[Appointment, list[dict]]:
    service = queries.referenced_service(form.service.data or None)
    return services.book_appointment(
        acting_user(), clinic=clinic, doctor=queries.referenced_doctor(form.doctor.data),
        patient=_chosen_patient(form, clinic), service=service, starts_at=_naive_start(form),
        ends_at=_naive_start(form) + timedelta(minutes=form.minutes.data)
        if form.minutes.data else None,
        comment=form.comment.data, is_primary=form.is_primary.data,
        override_hours=form.override_hours.data)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require_permission("calendar.manage")
def new():
    """The «Новая запись» dialog; POST books (patient overlap asks to confirm first)."""
    clinic = _branch_from_args()
    form = _new_form(clinic)
    extra: dict = {}
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                appointment, warnings = _book(form, clinic)
                if warnings and form.confirm_overlap.data != "1":
                    db.session.rollback()
                    form.confirm_overlap.data = "1"
                    return render_template("scheduling/_new.html", warnings=warnings,
                                           **_form_context(form, clinic)), 409
                message = (f"Записан: {appointment.patient.full_name}, {span_text(appointment)},"
                           f" {appointment.employee.full_name}")
                db.session.commit()
                return _saved(appointment, message)
            except DomainError as error:
                db.session.rollback()
                extra = _show_failure(form, error)
                status = error.status_code
                _duplicate_patient(form, error, extra)
        else:
            status = 400
    return render_template("scheduling/_new.html", **_form_context(form, clinic, **extra)), status


def _duplicate_patient(form, error: DomainError, extra: dict) -> None:
    """A typed-in patient who is already registered: pick the existing card instead."""
    existing_id = error.details.get("existing_id") if isinstance(error, Conflict) else None
    existing = db.session.get(Patient, existing_id) if existing_id else None
    if existing is None:
        return
    form.new_patient.data = False
    form.patient.data = str(existing.id)
    extra["picked"] = existing
    extra["notice"] = (f"Такой пациент уже есть: {existing.full_name} (карточка № {existing.id})"
                       " — выбран он. Проверьте и нажмите «Записать».")


@bp.route("/patients")
@login_required
@require_permission("patients.view")
def patient_picker():
    """Search-as-you-type in the dialog: up to 8 patients by name, phone or birth date."""
    query = (request.args.get("patient_query") or request.args.get("q") or "").strip()[:100]
    found = []
    if len(query) >= 2:
        found = search_patients(query, require_own_organization(acting_user()), PICKER_LIMIT)
    return render_template("scheduling/_patient_options.html", patients=found, query=query)


@bp.route("/services")
@login_required
@require_permission("calendar.view")
def service_field():
    """The dialog's service select for the chosen doctor (services he gives in the branch)."""
    clinic = _branch_from_args()
    form = AppointmentForm(formdata=None)
    requested = request.args.get("doctor", "")
    _fill_choices(form, clinic, int(requested) if requested.isdigit() else None)
    form.doctor.data = int(requested) if requested.isdigit() else None
    return render_template("scheduling/_service_field.html", **_form_context(form, clinic))


@bp.route("/first-free")
@login_required
@require_permission("calendar.view")
def first_free():
    """The «Ближайшее свободное» button: the doctor's first free slot from the chosen day."""
    clinic = _branch_from_args()
    form = AppointmentForm(formdata=None)
    doctor_raw = request.args.get("doctor", "")
    doctor = queries.referenced_doctor(int(doctor_raw) if doctor_raw.isdigit() else None,
                                       "doctor")
    minutes_raw = request.args.get("minutes", "")
    service_raw = request.args.get("service", "")
    service = queries.referenced_service(int(service_raw) or None) \
        if service_raw.isdigit() else None
    minutes = int(minutes_raw) if minutes_raw.isdigit() and 5 <= int(minutes_raw) <= 720 \
        else (service.duration_minutes if service else slots.DEFAULT_DURATION)
    zone = branch_zone(clinic)
    day = parse_day(request.args.get("day"), utcnow().astimezone(zone).date())
    after = max(utcnow(), datetime.combine(day, datetime.min.time(), zone))
    found = slots.first_free_slot(doctor.id, clinic, minutes, after=after)
    if found is not None:
        local = found.start.astimezone(zone)
        form.day.data, form.time.data = local.date(), local.time()
    else:
        form.day.data = day
    return render_template("scheduling/_when_fields.html", form=form, found=found,
                           searched=True, doctor=doctor)


# --- one appointment ---------------------------------------------------------------

def _details(appointment: Appointment, error: str | None = None, status: int = 200,
             notice: str | None = None):
    user = acting_user()
    may_status = has_permission(user, "calendar.manage") or has_permission(user, "visits.manage")
    steps = [(code, label) for code, label in STATUS_ACTIONS
             if may_status and code in allowed_transitions(appointment.status)]
    zone = branch_zone(appointment.clinic)
    return render_template(
        "scheduling/_details.html", appointment=appointment, error=error, notice=notice,
        steps=steps, status_labels=STATUS_LABELS, span=span_text(appointment),
        local_start=appointment.starts_at.astimezone(zone),
        local_end=appointment.ends_at.astimezone(zone),
        no_shows=queries.no_show_count(appointment.patient_id),
        may_manage=has_permission(user, "calendar.manage"),
        may_cancel=has_permission(user, "calendar.manage")
        and appointment.status in ("booked", "confirmed", "arrived"),
        cancel_form=CancelForm(formdata=None), reasons=CANCEL_REASONS), status


@bp.route("/appointments/<int:appointment_id>")
@login_required
@require_permission("calendar.view")
def details(appointment_id: int):
    """The appointment's dialog: who, when, what; status steps, change, cancel."""
    return _details(queries.appointment_for(acting_user(), appointment_id))


@bp.route("/appointments/<int:appointment_id>/status", methods=["POST"])
@login_required
def change_status(appointment_id: int):
    """A status step from the dialog (confirm, arrived, with the doctor, done, no-show)."""
    user = acting_user()
    if not (has_permission(user, "calendar.manage") or has_permission(user, "visits.manage")):
        raise PermissionDenied("Недостаточно прав для этого действия")
    appointment = queries.appointment_for(user, appointment_id)
    status = request.form.get("status", "")
    try:
        if status not in dict(STATUS_ACTIONS):
            raise ValidationFailed("status: неизвестное действие",
                                   details={"status": ["Неизвестный статус"]})
        services.set_status(user, appointment, status)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _details(appointment, error.detail, error.status_code)
    body, code = _details(appointment)
    return _saved(appointment, f"Статус: {STATUS_LABELS[status]}", body, code)


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def cancel(appointment_id: int):
    """Cancel with a reason; the dialog closes and the block disappears."""
    user = acting_user()
    appointment = queries.appointment_for(user, appointment_id)
    form = CancelForm()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed("reason: " + "; ".join(form.reason.errors or ["ошибка"]),
                                   details={"reason": form.reason.errors})
        services.cancel_appointment(user, appointment, form.reason.data)
        message = f"Запись отменена: {appointment.patient.full_name}, {span_text(appointment)}"
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _details(appointment, error.detail, error.status_code)
    return _saved(appointment, message, removed=True)


def _edit_form(appointment: Appointment) -> EditForm:
    form = EditForm() if request.method == "POST" else \
        EditForm(comment=appointment.comment, is_primary=appointment.is_primary)
    requested = request.form.get("doctor", "")
    doctor_id = int(requested) if requested.isdigit() else appointment.employee_id
    _fill_choices(form, appointment.clinic, doctor_id)
    if request.method == "GET":
        local = appointment.starts_at.astimezone(branch_zone(appointment.clinic))
        form.doctor.data = appointment.employee_id
        form.day.data, form.time.data = local.date(), local.time()
        form.minutes.data = int((appointment.ends_at - appointment.starts_at)
                                .total_seconds() // 60)
        form.service.data = appointment.service_id or 0
    return form


def _apply_edit(form, appointment: Appointment) -> list[dict]:
    """Move (time, doctor, length) if they changed, then the service, comment and mark."""
    user = acting_user()
    warnings: list[dict] = []
    start = _naive_start(form)
    end = start + timedelta(minutes=form.minutes.data)
    zone = branch_zone(appointment.clinic)
    moved = (form.doctor.data != appointment.employee_id
             or start.replace(tzinfo=zone) != appointment.starts_at.astimezone(zone)
             or end.replace(tzinfo=zone) != appointment.ends_at.astimezone(zone))
    if moved:
        _, warnings = services.move_appointment(
            user, appointment, start, end, queries.referenced_doctor(form.doctor.data, "doctor"),
            override_hours=form.override_hours.data)
    services.update_appointment(user, appointment,
                                service=queries.referenced_service(form.service.data or None),
                                comment=form.comment.data, is_primary=form.is_primary.data)
    return warnings


@bp.route("/appointments/<int:appointment_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("calendar.manage")
def edit(appointment_id: int):
    """Change the appointment; answers with its dialog (and the patient-overlap notice)."""
    appointment = queries.appointment_for(acting_user(), appointment_id)
    form = _edit_form(appointment)
    extra: dict = {}
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                warnings = _apply_edit(form, appointment)
                db.session.commit()
                notice = "; ".join(w["detail"] for w in warnings) or None
                body, code = _details(appointment, notice=notice)
                return _saved(appointment, "Запись изменена", body, code)
            except DomainError as error:
                db.session.rollback()
                extra = _show_failure(form, error)
                status = error.status_code
        else:
            status = 400
    return render_template("scheduling/_edit.html", appointment=appointment,
                           **_form_context(form, appointment.clinic, **extra)), status


@bp.route("/appointments/<int:appointment_id>/move", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def move(appointment_id: int):
    """Drag and drop: the block at its new place, or 4xx with the reason (it snaps back)."""
    user = acting_user()
    appointment = queries.appointment_for(user, appointment_id)
    form = MoveForm()
    form.doctor.choices = [SelectChoice(d.id, d.full_name)
                           for d in queries.branch_doctors(appointment.clinic_id)]
    try:
        if not form.validate_on_submit():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            raise ValidationFailed("; ".join(f"{n}: {m[0]}" for n, m in errors.items()),
                                   details=errors)
        start = _naive_start(form)
        end = start + timedelta(minutes=form.minutes.data) if form.minutes.data else None
        doctor = queries.referenced_doctor(form.doctor.data, "doctor")
        _, warnings = services.move_appointment(user, appointment, start, end, doctor,
                                                override_hours=form.override_hours.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_template("scheduling/_refusal.html", error=error), error.status_code
    message = "; ".join(w["detail"] for w in warnings) or f"Перенесено: {span_text(appointment)}"
    return _trigger(make_response(render_block(appointment)), id=appointment.id,
                    message=message, removed=False)
