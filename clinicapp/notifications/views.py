"""/admin/mail: the messages development mode kept instead of sending (administrators)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import NotFound
from ..core.permissions import require_permission
from ..org import clock
from . import devlog

bp = Blueprint("notifications", __name__, url_prefix="/admin/mail")


def _page_context() -> dict:
    config = current_app.config
    return {"zone": clock.person_zone(current_user),
            "email_dev": not config.get("SMTP_URL"), "sms_dev": not config.get("SMS_PROVIDER")}


@bp.route("/")
@login_required
@require_permission("mail.view")
def mail():
    """The newest messages first: channel, recipient, subject or text, when."""
    return render_template("admin/mail.html", messages=devlog.recent(), limit=devlog.LISTED,
                           **_page_context())


@bp.route("/<name>")
@login_required
@require_permission("mail.view")
def message(name: str):
    found = devlog.read(name)
    if found is None:
        raise NotFound(_("Сообщение не найдено"))
    return render_template("admin/mail_message.html", message=found, **_page_context())
