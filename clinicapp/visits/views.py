"""The front desk's «Сегодня» page: the branch's queue for today, one-click status steps.

The board (templates/visits/_board.html, root `#desk-board`) is re-rendered after
every step and whenever the branch's calendar changes (static/js/desk.js listens
to the Socket.IO room of the branch and re-fetches it).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from ..core.actions import answer, perform
from ..core.errors import NotFound, ValidationFailed
from ..core.htmx import wants_fragment
from ..core.models import utcnow
from ..core.permissions import acting_user, can_see_branch, has_permission, require_permission
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.branches import chosen_branch, switcher_branches
from ..org.clock import branch_now, branch_zone
from ..org.models import Clinic
from ..scheduling import status as appointment_status
from ..scheduling.models import Appointment
from ..scheduling.rules import STATUS_LABELS
from . import queries

bp = Blueprint("visits", __name__, url_prefix="/desk")

# The one-click steps: status -> button label, and which steps each column offers.
ACTIONS = {"arrived": "Пришёл", "in_progress": "Пригласить", "completed": "Завершить",
           "no_show": "Не пришёл"}
COLUMN_ACTIONS = {
    "expected": ("arrived", "in_progress", "no_show"),
    "waiting": ("in_progress", "completed"),
    "with_doctor": ("completed",),
    "done": (),
    "no_show": ("arrived",),
}
RECENT_DONE = 5  # finished visits shown open; earlier ones fold away
COLUMNS = (("expected", "Ожидаются"), ("waiting", "Ждут приёма"), ("with_doctor", "У врача"),
           ("done", "Приём окончен"))


def _board_context(clinic: Clinic, error: str | None = None,
                   notice: str | None = None) -> dict:
    now = utcnow()
    now_local = branch_now(clinic, now)
    day = now_local.date()
    return {"clinic": clinic, "zone": branch_zone(clinic), "day": day, "now_local": now_local,
            "queue": queries.day_queue(clinic.id, day, now), "columns": COLUMNS,
            "column_actions": COLUMN_ACTIONS, "actions": ACTIONS,
            "status_labels": STATUS_LABELS, "error": error, "notice": notice,
            "recent_done": RECENT_DONE,
            "may_act": has_permission(acting_user(), "visits.manage")}


@bp.route("/")
@login_required
@require_permission("calendar.view")
def today():
    """The queue page; for htmx only the board fragment."""
    user = acting_user()
    clinic = chosen_branch(user, request.args.get("branch"))
    if clinic is None:
        return render_template("visits/today.html", clinic=None, branches=[])
    context = _board_context(clinic)
    if wants_fragment():
        return render_template("visits/_board.html", **context)
    return render_template("visits/today.html", branches=switcher_branches(user), **context)


@bp.route("/appointments/<int:appointment_id>/status", methods=["POST"])
@login_required
@require_permission("visits.manage")
def change_status(appointment_id: int):
    """One click: arrived | in_progress | completed | no_show; answers with the board."""
    user = acting_user()
    appointment = db.session.get(Appointment, appointment_id) \
        if 0 < appointment_id <= MAX_ID else None
    if appointment is None or not can_see_branch(user, appointment.clinic_id):
        raise NotFound("Запись не найдена")
    clinic = appointment.clinic
    status = request.form.get("status", "")
    back = url_for("visits.today", branch=clinic.id)

    def step():
        if status not in ACTIONS:
            raise ValidationFailed("Неизвестное действие: выберите «Пришёл», «Пригласить», "
                                   "«Завершить» или «Не пришёл»",
                                   details={"status": ["Неизвестный статус"]})
        appointment_status.change_status(user, appointment, status)

    def board(**told):
        return render_template("visits/_board.html", **_board_context(clinic, **told))

    # Without JavaScript the step is a plain form post: back to the page.
    return perform(
        step,
        on_success=lambda _: answer(back, fragment=lambda: board(notice=(
            f"{appointment.patient.short_name}: {STATUS_LABELS[status].lower()}"))),
        on_refusal=lambda error: answer(back, error.detail, "error", fragment=lambda: (
            board(error=error.detail), error.status_code)))
