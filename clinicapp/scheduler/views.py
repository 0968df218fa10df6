"""/admin/schedule: the periodic jobs, how often they run, how their last run went."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.actions import answer, perform
from ..core.permissions import require_permission
from ..extensions import db
from ..org import clock
from . import runner, services
from .models import MAX_EVERY_MINUTES, ScheduledJob
from .registry import registered_jobs

bp = Blueprint("schedule", __name__, url_prefix="/admin/schedule")


def _page(errors: dict[str, str] | None = None):
    runner.ensure_schedule()
    jobs = registered_jobs()
    rows = db.session.scalars(db.select(ScheduledJob).where(ScheduledJob.name.in_(jobs))
                              .order_by(ScheduledJob.name))
    return render_template("admin/schedule.html", rows=list(rows), jobs=jobs,
                           errors=errors or {}, max_minutes=MAX_EVERY_MINUTES,
                           zone=clock.person_zone(current_user))


@bp.route("/")
@login_required
@require_permission("schedule.manage")
def index():
    return _page()


def _minutes(raw: str | None) -> int | None:
    try:
        return int((raw or "").strip())
    except ValueError:
        return None


@bp.route("/<name>", methods=["POST"])
@login_required
@require_permission("schedule.manage")
def update(name: str):
    """Save a job's interval and whether it runs."""
    return perform(
        lambda: services.set_schedule(name, every_minutes=_minutes(request.form.get(
            "every_minutes")), enabled=request.form.get("enabled") == "on"),
        on_success=lambda _row: answer(url_for("schedule.index"), _("Расписание сохранено")),
        on_refusal=lambda error: (_page({name: error.detail}), error.status_code))


@bp.route("/<name>/run", methods=["POST"])
@login_required
@require_permission("schedule.manage")
def run_now(name: str):
    """Make the job due: the scheduler runs it on its next pass."""
    return perform(lambda: services.run_soon(name),
                   on_success=lambda _row: answer(url_for("schedule.index"), _(
                       "Задача запустится в течение %(seconds)s с",
                       seconds=int(current_app.config["SCHEDULER_TICK_SECONDS"]))))
