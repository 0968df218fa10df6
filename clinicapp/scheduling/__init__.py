"""Scheduling: doctors' working hours, free slots, appointments, visits and the staff calendar.

Its pages are one blueprint, `scheduling` (under /calendar/), whose routes live in
views.py (the calendar, blocks, the card's list), booking.py (the new-appointment
dialog, walk-ins), actions.py (one appointment's dialog, drag and drop),
confirmations.py («Подтвердить на завтра») and hours_page.py (a doctor's working
hours); init_app imports them. live.py is the live calendar's room and raw
WebSocket; status.py the one way a status changes.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare
from ..scheduler import register_job
from .rules import RECORD_PAST

bp = Blueprint("scheduling", __name__, url_prefix="/calendar")


def init_app(app) -> None:
    from . import (  # noqa: F401 - routes on bp
        actions,
        booking,
        cli,
        confirmations,
        hours_page,
        live,
        views,
    )

    declare("calendar.view", roles=STAFF_ROLES, label=_l("Видеть календарь своих филиалов"))
    declare("calendar.manage", roles=("manager", "receptionist"),
            label=_l("Записывать, переносить, подтверждать и отменять приёмы"))
    declare(RECORD_PAST, roles=("manager", "receptionist"),
            label=_l("Вносить приём, который уже был сегодня (задним числом, в журнал)"))
    declare("visits.manage", roles=("manager", "receptionist", "doctor"),
            label=_l("Отмечать приход, начало и конец приёма, неявку"))
    app.register_blueprint(bp)
    live.init_app(app)
    app.cli.add_command(cli.mark_no_shows_command)
    register_job(app, "mark-no-shows", cli.mark_no_shows_job, every_minutes=15,
                 label=_l("Отметить неявки"))
    add_menu_entry(app, 20, "scheduling.calendar", _l("Календарь"), "calendar.view")
    add_menu_entry(app, 21, "scheduling.confirm_tomorrow", _l("Подтвердить на завтра"),
                   "calendar.manage")
