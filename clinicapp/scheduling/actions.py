"""One appointment in the calendar: its dialog (status steps, change, cancel) and
drag and drop. Routes on the scheduling blueprint; see dialogs.py for the shape
of the answers."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..core.actions import perform, status_of
from ..core.errors import Conflict, field_error
from ..core.models import utcnow
from ..core.permissions import acting_user, has_permission, require_permission
from ..org.clock import branch_today, branch_zone
from . import bp, queries, services
from . import status as appointment_status
from .dialogs import (
    fill_choices,
    fill_doctors,
    form_context,
    naive_start,
    refusal_context,
    saved,
    show_refusal,
)
from .forms import CANCEL_REASONS, CancelForm, EditForm, MoveForm
from .models import Appointment
from .rules import (
    SOURCE_LABELS,
    STATUS_LABELS,
    allowed_transitions,
    as_utc,
    span_text,
    status_label,
)
from .status import may_set_status
from .views import grid_range, render_block

# The dialog's status buttons (verbs; STATUS_LABELS are the states), in this order.
STATUS_ACTIONS = (("confirmed", _l("Подтвердить")), ("arrived", _l("Пришёл")),
                  ("in_progress", _l("Начать приём")), ("completed", _l("Завершить")),
                  ("no_show", _l("Не пришёл")))
CANCELLABLE = ("booked", "confirmed", "arrived")


ON_THE_DAY = ("arrived", "in_progress", "completed")


def _too_early(appointment: Appointment, status: str) -> str | None:
    """Why the dialog does not offer `status` yet: arrival and the visit only on the
    day (or after), «Не пришёл» only once the appointment has started."""
    clinic = appointment.clinic
    now = utcnow()
    if status == "no_show" and appointment.starts_at > now:
        return _("«Не пришёл» отмечают после начала приёма")
    starts_on = appointment.starts_at.astimezone(branch_zone(clinic)).date()
    if status in ON_THE_DAY and starts_on > branch_today(clinic, now):
        return _("Приход и приём отмечают в день приёма")
    return None


def _steps(user, appointment: Appointment) -> list[tuple[str, str]]:
    """The status buttons the dialog offers now: the transitions the user's role may
    make (status.may_set_status, the rule of every surface) that are not too early."""
    allowed = allowed_transitions(appointment.status)
    return [(code, label) for code, label in STATUS_ACTIONS if code in allowed
            and may_set_status(user, code, appointment) and not _too_early(appointment, code)]


def _details(appointment: Appointment, error: str | None = None, status: int = 200,
             notice: str | None = None):
    """The appointment's dialog, with a refusal (`error`) or a warning (`notice`)."""
    user = acting_user()
    steps = _steps(user, appointment)
    zone = branch_zone(appointment.clinic)
    may_manage = has_permission(user, "calendar.manage")
    return render_template(
        "scheduling/_details.html", appointment=appointment, error=error, notice=notice,
        steps=steps, status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
        local_start=appointment.starts_at.astimezone(zone),
        local_end=appointment.ends_at.astimezone(zone),
        no_shows=queries.no_show_count(appointment.patient_id), may_manage=may_manage,
        may_cancel=may_manage and appointment.status in CANCELLABLE,
        cancel_form=CancelForm(formdata=None), reasons=CANCEL_REASONS), status


@bp.route("/appointments/<int:appointment_id>")
@login_required
@require_permission("calendar.view")
def details(appointment_id: int):
    """The appointment's dialog: who, when, what; status steps, change, cancel."""
    return _details(queries.appointment_for(acting_user(), appointment_id))


@bp.route("/appointments/<int:appointment_id>/status", methods=["POST"])
@login_required
@require_permission("calendar.view")
def change_status(appointment_id: int):
    """A status step from the dialog (confirm, arrived, with the doctor, done, no-show)."""
    user = acting_user()
    appointment = queries.appointment_for(user, appointment_id)
    status = request.form.get("status", "")

    def step():
        if status not in dict(STATUS_ACTIONS):
            raise field_error("status", _("Неизвестный статус"))
        early = status != appointment.status and _too_early(appointment, status)
        if early and status in allowed_transitions(appointment.status):
            raise Conflict(early, code="too_early")
        appointment_status.change_status(user, appointment, status)

    return perform(step, on_success=lambda done: saved(
        appointment, _("Статус: %(status)s", status=status_label(status)),
        *_details(appointment)),
        on_refusal=lambda error: _details(appointment, error.detail, error.status_code))


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def cancel(appointment_id: int):
    """Cancel with a reason; the dialog closes and the block disappears."""
    user = acting_user()
    appointment = queries.appointment_for(user, appointment_id)
    form = CancelForm()

    def cancel_it() -> str:
        appointment_status.change_status(user, appointment, "cancelled",
                                         reason=form.reason.data)
        return _("Запись отменена: %(patient)s, %(time)s", patient=appointment.patient.full_name,
                 time=span_text(appointment))

    # The refusal (a reason missing too) is told in the appointment's dialog, not on the form.
    return perform(cancel_it, form=form, show=None,
                   on_success=lambda message: saved(appointment, message, removed=True),
                   on_refusal=lambda error: _details(appointment, error.detail,
                                                     error.status_code))


def _edit_form(appointment: Appointment) -> EditForm:
    """The change dialog's form, filled from the appointment on GET."""
    if request.method == "POST":
        form = EditForm()
        doctor_id = form.doctor.data if isinstance(form.doctor.data, int) else None
    else:
        form = EditForm(comment=appointment.comment, is_primary=appointment.is_primary)
        local = appointment.starts_at.astimezone(branch_zone(appointment.clinic))
        form.doctor.data = doctor_id = appointment.employee_id
        form.day.data, form.time.data = local.date(), local.time()
        form.minutes.data = int((appointment.ends_at - appointment.starts_at)
                                .total_seconds() // 60)
        form.service.data = appointment.service_id or 0
    fill_choices(form, appointment.clinic, doctor_id or appointment.employee_id,
                 keep=appointment.employee)
    return form


def _apply_edit(form: EditForm, appointment: Appointment) -> list[dict]:
    """Move (time, doctor, length: with the new service in the same check) if any of them
    changed, then the service, comment and mark. Returns the patient-overlap warnings."""
    user = acting_user()
    clinic = appointment.clinic
    naive = naive_start(form)
    # An unchanged wall-clock start keeps its instant (in a repeated DST hour too).
    unchanged = appointment.starts_at.astimezone(branch_zone(clinic)).replace(tzinfo=None)
    start = appointment.starts_at if naive == unchanged else as_utc(naive, clinic)
    end = start + timedelta(minutes=form.minutes.data)
    service = queries.referenced_service(form.service.data or None)
    warnings: list[dict] = []
    if (form.doctor.data, start, end) != (appointment.employee_id, appointment.starts_at,
                                          appointment.ends_at):
        doctor = appointment.employee if form.doctor.data == appointment.employee_id \
            else queries.referenced_doctor(form.doctor.data, "doctor")
        _, warnings = services.move_appointment(user, appointment, start, end, doctor,
                                                override_hours=form.override_hours.data,
                                                service=service)
    services.update_appointment(user, appointment, service=service, comment=form.comment.data,
                                is_primary=form.is_primary.data)
    return warnings


@bp.route("/appointments/<int:appointment_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("calendar.manage")
def edit(appointment_id: int):
    """Change the appointment; answers with its dialog (and the patient-overlap notice)."""
    appointment = queries.appointment_for(acting_user(), appointment_id)
    form = _edit_form(appointment)

    def changed(warnings: list[dict]):
        body, code = _details(appointment, notice="; ".join(
            w["detail"] for w in warnings) or None)
        return saved(appointment, _("Запись изменена"), body, code)

    return perform(
        lambda: _apply_edit(form, appointment), form=form, show=show_refusal,
        on_success=changed,
        on_refusal=lambda error: (render_template(
            "scheduling/_edit.html", appointment=appointment,
            **form_context(form, appointment.clinic, **refusal_context(error))),
            status_of(error)))


@bp.route("/appointments/<int:appointment_id>/move", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def move(appointment_id: int):
    """Drag and drop: the block at its new place, or 4xx with the reason (it snaps back).

    `?origin=&last=` describe the page's grid, for the block's rows.
    """
    user = acting_user()
    appointment = queries.appointment_for(user, appointment_id)
    form = MoveForm()
    fill_doctors(form, appointment.clinic, keep=appointment.employee)

    def drop():
        span = grid_range()  # before anything is written: a bad range writes nothing
        start = naive_start(form)
        end = start + timedelta(minutes=form.minutes.data) if form.minutes.data else None
        doctor = queries.referenced_doctor(form.doctor.data, "doctor")
        moved_only_end = end is not None and doctor.id == appointment.employee_id and \
            as_utc(start, appointment.clinic) == appointment.starts_at
        _, warnings = services.move_appointment(user, appointment, start, end, doctor,
                                                override_hours=form.override_hours.data)
        return span, moved_only_end, warnings

    def moved(result):
        span, moved_only_end, warnings = result
        time = span_text(appointment)
        message = _("Длительность изменена: %(time)s", time=time) if moved_only_end \
            else _("Перенесено: %(time)s", time=time)
        if warnings:
            message = _("%(message)s. Внимание: %(warnings)s", message=message,
                        warnings="; ".join(w["detail"] for w in warnings))
        return saved(appointment, message, render_block(appointment, span),
                     warning=bool(warnings))

    # The block snaps back: the refusal (a bad form too) is a message, not a form.
    return perform(drop, form=form, show=None, on_success=moved, on_refusal=lambda error: (
        render_template("scheduling/_refusal.html", error=error), error.status_code))
