"""«Подтвердить на завтра»: the front desk calls tomorrow's patients who have not confirmed.

One branch at a time (`?branch=`, as the calendar): tomorrow on the branch's clock,
the appointments still «Записан», by time, with the patient's phone to call. One
click marks a row confirmed, or cancels it with a reason; both go through the one
status service (status.change_status, the calendar's rule of who may), and htmx
swaps the row in place (`_confirm_row.html`, root `#confirm-<id>`) and the count in
the header out of band. Without JavaScript they are plain form posts back to the page.
Routes on the scheduling blueprint.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.actions import answer, perform
from ..core.errors import DomainError
from ..core.htmx import wants_fragment
from ..core.permissions import acting_user, has_permission, require_permission
from ..extensions import db
from ..org.branches import chosen_branch, switcher_branches
from ..org.clock import branch_today, branch_zone
from ..org.models import Clinic
from . import bp, queries
from . import status as appointment_status
from .forms import CANCEL_REASONS, CancelForm
from .models import Appointment
from .rules import STATUS_LABELS, span_text

UNCONFIRMED = "booked"


def tomorrow(clinic: Clinic) -> date:
    """Tomorrow on the branch's clock."""
    return branch_today(clinic) + timedelta(days=1)


def unconfirmed(user, clinic: Clinic, day: date) -> list[Appointment]:
    """The branch's appointments on `day` (its local day) still «Записан», by time."""
    return list(db.session.scalars(queries.calendar_statement(
        user, branch_id=clinic.id, date_from=day, date_to=day, status=UNCONFIRMED)))


def unconfirmed_count(user, clinic: Clinic, day: date) -> int:
    """How many of them: the header's count."""
    statement = queries.scoped(db.select(db.func.count(Appointment.id)), user,
                               branch_id=clinic.id, date_from=day, date_to=day,
                               status=UNCONFIRMED)
    return db.session.scalar(statement)


def _row_context(clinic: Clinic, **extra) -> dict:
    return {"zone": branch_zone(clinic), "status_labels": STATUS_LABELS,
            "reasons": CANCEL_REASONS,
            "may_act": has_permission(acting_user(), "calendar.manage"), **extra}


@bp.route("/confirm")
@login_required
@require_permission("calendar.view")
def confirm_tomorrow():
    """The page: tomorrow's unconfirmed appointments of the chosen branch."""
    user = acting_user()
    clinic = chosen_branch(user, request.args.get("branch"))
    if clinic is None:
        return render_template("scheduling/confirm_tomorrow.html", clinic=None, branches=[])
    day = tomorrow(clinic)
    rows = unconfirmed(user, clinic, day)
    return render_template("scheduling/confirm_tomorrow.html", clinic=clinic, day=day,
                           appointments=rows, count=len(rows),
                           branches=switcher_branches(user), **_row_context(clinic))


def _said(error: DomainError) -> str:
    """A refusal in people's words: its messages, without the field names of the summary."""
    messages = [text for texts in error.details.values() if isinstance(texts, list)
                for text in texts if isinstance(text, str)]
    return "; ".join(messages) or error.detail


def _answer_row(appointment: Appointment, message: str | None = None,
                error: str | None = None, status: int = 200):
    """The row again (htmx), with the header's count out of band; without JavaScript,
    back to the page with the message flashed."""
    clinic = appointment.clinic
    back = url_for("scheduling.confirm_tomorrow", branch=clinic.id)
    if not wants_fragment():
        return answer(back, error or message, "error" if error else "success")
    day = tomorrow(clinic)
    body = render_template(
        "scheduling/_confirm_row.html", a=appointment, message=message, error=error,
        count=unconfirmed_count(acting_user(), clinic, day), day=day, oob=True,
        **_row_context(clinic))
    return body, status


def _done(appointment: Appointment) -> str:
    names = {"patient": appointment.patient.short_name, "time": span_text(appointment)}
    if appointment.status == "cancelled":
        return _("Запись отменена: %(patient)s, %(time)s", **names)
    return _("Подтвердил: %(patient)s, %(time)s", **names)


def _step_row(appointment_id: int, status: str, form: CancelForm | None = None):
    """A row's button: the status service's step (the calendar's rule of who may), answered
    with the row; nothing is written on a refusal."""
    user = acting_user()
    appointment = queries.appointment_for(user, appointment_id)
    return perform(
        lambda: appointment_status.change_status(user, appointment, status,
                                                 reason=form.reason.data if form else None),
        form=form, show=None,
        on_success=lambda done: _answer_row(appointment, _done(appointment)),
        on_refusal=lambda error: _answer_row(appointment, error=_said(error),
                                             status=error.status_code))


@bp.route("/confirm/<int:appointment_id>", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def confirm_appointment(appointment_id: int):
    """«Подтвердил»: the patient confirmed on the phone."""
    return _step_row(appointment_id, "confirmed")


@bp.route("/confirm/<int:appointment_id>/cancel", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def cancel_unconfirmed(appointment_id: int):
    """Cancel with a reason: the calendar's own cancel, through the status service."""
    return _step_row(appointment_id, "cancelled", CancelForm())
