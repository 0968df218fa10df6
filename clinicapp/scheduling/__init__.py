"""Scheduling: doctors' working hours, free slots, appointments, visits and the staff calendar.

Its pages are one blueprint, `scheduling` (under /calendar/), whose routes live in
views.py (the calendar, blocks, the card's list), booking.py (the new-appointment
dialog), actions.py (one appointment's dialog, drag and drop) and hours_page.py (a
doctor's working hours); init_app imports them. live.py is the live calendar's
room and raw WebSocket; status.py the one way a status changes.
"""
from __future__ import annotations

from flask import Blueprint

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare

bp = Blueprint("scheduling", __name__, url_prefix="/calendar")


def init_app(app) -> None:
    from . import actions, booking, cli, hours_page, live, views  # noqa: F401 - routes on bp

    declare("calendar.view", roles=STAFF_ROLES, label="Видеть календарь своих филиалов")
    declare("calendar.manage", roles=("manager", "receptionist"),
            label="Записывать, переносить, подтверждать и отменять приёмы")
    declare("visits.manage", roles=("manager", "receptionist", "doctor"),
            label="Отмечать приход, начало и конец приёма, неявку")
    app.register_blueprint(bp)
    live.init_app(app)
    app.cli.add_command(cli.mark_no_shows_command)
    add_menu_entry(app, 20, "scheduling.calendar", "Календарь", "calendar.view")
