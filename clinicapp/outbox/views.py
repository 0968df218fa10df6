"""/admin/outbox: what waits to go out, what failed and why; put dead jobs back."""
from __future__ import annotations

import json

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..core.actions import answer, perform
from ..core.http import safe_local_url
from ..core.pagination import page_number
from ..core.permissions import require_permission
from ..extensions import db
from ..org import clock
from . import services
from .models import OutboxJob
from .registry import topic_labels

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")

PAGE_SIZE = 50
# What the page calls each state; «waiting» is a queued job that failed or lacks settings.
STATE_LABELS = {
    "queued": _l("В очереди"),
    "waiting": _l("Ждёт повтора"),
    "unconfigured": _l("Ждёт настроек"),
    "dead": _l("Не доставлено"),
    "delivered": _l("Доставлено"),
}
NOT_CONFIGURED = "NotConfigured: "  # how worker._describe starts a missing-settings wait


# What the page never shows of a payload: addresses are masked, texts left out (an
# administrator needs to see where a job goes and why it failed, not read the letters).
ADDRESS_KEYS = {"to", "email", "phone", "phone_number"}
TEXT_KEYS = {"text", "html", "subject", "content", "body", "comment", "sms"}


def _mask(value) -> str:
    text = str(value)
    if "@" in text:
        name, _at, domain = text.rpartition("@")
        return f"{name[:1]}…@{domain}"
    return f"…{text[-2:]}" if len(text) > 2 else "…"


def shown_payload(payload: dict) -> str:
    """The payload as /admin/outbox shows it: JSON, readable (the page escapes it)."""
    shown = {}
    for key, value in payload.items():
        if key in TEXT_KEYS and value:
            shown[key] = _("(скрыто, %(count)s симв.)", count=len(str(value)))
        elif key in ADDRESS_KEYS and value:
            shown[key] = _mask(value)
        else:
            shown[key] = value
    return json.dumps(shown, ensure_ascii=False, indent=2, default=str)


# A queued job has failed (attempts counted) or waits for its target's settings (none).
_STATE = db.case(
    ((OutboxJob.status == "queued") & (OutboxJob.attempts > 0), "waiting"),
    ((OutboxJob.status == "queued") & OutboxJob.last_error.is_not(None), "unconfigured"),
    else_=OutboxJob.status)


def state_of(job: OutboxJob) -> str:
    """The page's state of a job (the same rule as _STATE, for one row)."""
    if job.status != "queued":
        return job.status
    if job.attempts > 0:
        return "waiting"
    return "unconfigured" if job.last_error else "queued"


def shown_error(text: str | None) -> str:
    """The last error as the page shows it: a missing setting in the reader's words."""
    if text and text.startswith(NOT_CONFIGURED):
        return _("Не настроено: %(what)s", what=text[len(NOT_CONFIGURED):])
    return text or "—"


def _counts() -> dict[str, int]:
    rows = db.session.execute(select(_STATE, func.count()).group_by(_STATE))
    return {name: count for name, count in rows}


@bp.route("/")
@login_required
@require_permission("outbox.manage")
def index():
    """The jobs, newest first, filtered by state and topic."""
    state = request.args.get("state") if request.args.get("state") in STATE_LABELS else None
    topic = request.args.get("topic") or None
    statement = select(OutboxJob)
    if state:
        statement = statement.where(_STATE == state)
    if topic:
        statement = statement.where(OutboxJob.topic == topic)
    page = db.paginate(statement.order_by(OutboxJob.id.desc()),
                       page=page_number(request.args.get("page")), per_page=PAGE_SIZE,
                       error_out=False)
    return render_template("admin/outbox.html", page=page, state=state, topic=topic,
                           states=STATE_LABELS, counts=_counts(), topics=topic_labels(),
                           shown=shown_payload, state_of=state_of, shown_error=shown_error,
                           zone=clock.person_zone(current_user))


def _back() -> str:
    """Back to the list as it was filtered (a local path only)."""
    return safe_local_url(request.form.get("next"), url_for("outbox.index"))


@bp.route("/<int:job_id>/requeue", methods=["POST"])
@login_required
@require_permission("outbox.manage")
def requeue(job_id: int):
    """Send a dead or waiting job again now, with a fresh count of attempts."""
    return perform(lambda: services.requeue(job_id),
                   on_success=lambda job: answer(_back(), _("Задание №%(id)s снова в очереди",
                                                            id=job.id)))


@bp.route("/requeue-dead", methods=["POST"])
@login_required
@require_permission("outbox.manage")
def requeue_dead():
    """Every undelivered job (of the chosen topic) back in the queue."""
    return perform(lambda: services.requeue_dead(request.form.get("topic") or None),
                   on_success=lambda count: answer(_back(), _("Снова в очереди: %(count)s",
                                                              count=count)))
