"""The front desk's «Сегодня» page: the branch's queue for today, one-click status steps.

The board (templates/visits/_board.html, root `#desk-board`) is re-rendered after
every step and whenever the branch's calendar changes (static/js/desk.js listens
to the Socket.IO room of the branch and re-fetches it).

A doctor sees their own patients by default (`?show=mine`) and the whole branch with
`?show=all`; the choice stays in the URL, so the live refresh and the steps keep it.
The buttons on a card are the steps `status.may_set_status` allows on it, the rule
the service itself applies.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..core.actions import answer, perform
from ..core.errors import NotFound, ValidationFailed, field_error
from ..core.htmx import wants_fragment
from ..core.models import utcnow
from ..core.permissions import acting_user, can_see_branch, require_permission
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.branches import chosen_branch, switcher_branches
from ..org.clock import branch_now, branch_zone
from ..org.models import Clinic
from ..scheduling import status as appointment_status
from ..scheduling.models import Appointment
from ..scheduling.rules import STATUS_LABELS
from . import queries
from .summary import MIN_BOOKABLE, branch_days

bp = Blueprint("visits", __name__, url_prefix="/desk")

# The one-click steps: status -> button label, and which steps each column offers.
ACTIONS = {"arrived": _l("Пришёл"), "in_progress": _l("Пригласить"),
           "completed": _l("Завершить"), "no_show": _l("Не пришёл")}
COLUMN_ACTIONS = {
    "expected": ("arrived", "in_progress", "no_show"),
    "waiting": ("in_progress", "completed"),
    "with_doctor": ("completed",),
    "done": (),
    "no_show": ("arrived",),
}
RECENT_DONE = 5  # finished visits shown open; earlier ones fold away
COLUMNS = (("expected", _l("Ожидаются")), ("waiting", _l("Ждут приёма")),
           ("with_doctor", _l("У врача")), ("done", _l("Приём окончен")))
SHOW_MINE, SHOW_ALL = "mine", "all"


@dataclass(frozen=True)
class DeskScope:
    """Whose patients the board shows: a doctor's own (`own_id` is their employee card)
    or the whole branch. `toggle` is whether the page offers the choice at all."""

    own_id: int | None
    mine: bool
    unlinked: bool  # a doctor whose account has no employee card: the branch is shown

    @property
    def toggle(self) -> bool:
        return self.own_id is not None

    @property
    def show(self) -> str | None:
        """The `show` parameter every URL of the page carries (None: nothing to keep)."""
        if not self.toggle:
            return None
        return SHOW_MINE if self.mine else SHOW_ALL


def desk_scope(user, raw: str | None) -> DeskScope:
    """The board's scope from `?show=` (mine by default for a doctor with a card).

    Raises ValidationFailed naming `show` for another value.
    """
    if raw not in (None, "", SHOW_MINE, SHOW_ALL):
        raise field_error("show", _("Ожидается mine или all"))
    if user.role not in appointment_status.OWN_PATIENTS_ONLY:
        return DeskScope(None, False, False)
    own_id = queries.own_employee_id(user)
    return DeskScope(own_id, own_id is not None and raw != SHOW_ALL, own_id is None)


def _board_context(clinic: Clinic, scope: DeskScope, error: str | None = None,
                   notice: str | None = None) -> dict:
    user = acting_user()
    now = utcnow()
    now_local = branch_now(clinic, now)
    day = now_local.date()
    queue = queries.day_queue(clinic.id, day, now,
                              employee_id=scope.own_id if scope.mine else None)
    return {"clinic": clinic, "zone": branch_zone(clinic), "day": day, "now_local": now_local,
            "queue": queue, "columns": COLUMNS, "scope": scope,
            "actions": ACTIONS, "status_labels": STATUS_LABELS, "error": error,
            "notice": notice, "recent_done": RECENT_DONE,
            "steps_for": lambda key, appointment: _steps(user, key, appointment)}


def _steps(user, column: str, appointment: Appointment) -> list[str]:
    """The steps a card offers: its column's, those the user may take on it."""
    return [status for status in COLUMN_ACTIONS[column]
            if appointment_status.may_set_status(user, status, appointment)]


def _branch(user, scope: DeskScope) -> Clinic | None:
    """`?branch=`, else for a doctor the branch where their patients are today, else the
    user's first."""
    raw = request.args.get("branch")
    if not raw and scope.own_id is not None:
        busy = queries.busy_branch_today(scope.own_id, switcher_branches(user))
        if busy is not None:
            return busy
    return chosen_branch(user, raw)


@bp.route("/")
@login_required
@require_permission("calendar.view")
def today():
    """The queue page; for htmx only the board fragment."""
    user = acting_user()
    scope = desk_scope(user, request.args.get("show"))
    clinic = _branch(user, scope)
    if clinic is None:
        return render_template("visits/today.html", clinic=None, branches=[])
    context = _board_context(clinic, scope)
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
        raise NotFound(_("Запись не найдена"))
    clinic = appointment.clinic
    status = request.form.get("status", "")
    scope = desk_scope(user, request.args.get("show"))
    back = url_for("visits.today", branch=clinic.id, show=scope.show)

    def step():
        if status not in ACTIONS:
            raise ValidationFailed(_("Неизвестное действие: выберите «Пришёл», «Пригласить», "
                                     "«Завершить» или «Не пришёл»"),
                                   details={"status": [_("Неизвестный статус")]})
        appointment_status.change_status(user, appointment, status)

    def board(**told):
        return render_template("visits/_board.html", **_board_context(clinic, scope, **told))

    def marked() -> str:
        return _("%(patient)s: %(status)s", patient=appointment.patient.short_name,
                 status=STATUS_LABELS[status].lower())

    # Without JavaScript the step is a plain form post: back to the page.
    return perform(
        step,
        on_success=lambda _result: answer(back, fragment=lambda: board(notice=marked())),
        on_refusal=lambda error: answer(back, error.detail, "error", fragment=lambda: (
            board(error=error.detail), error.status_code)))


@bp.route("/summary")
@login_required
@require_permission("calendar.view")
def summary():
    """The day of each of the user's (active) branches in numbers, with their calendar and
    desk; the managers' and administrators' landing."""
    user = acting_user()
    clinics = [clinic for clinic in switcher_branches(user) if clinic.is_active]
    return render_template(
        "visits/summary.html", days=branch_days(clinics),
        hours=lambda value: format_decimal(value, format="#,##0.#"),
        min_bookable=int(MIN_BOOKABLE.total_seconds() // 60))
