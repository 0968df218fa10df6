"""The day at the front desk and in the branches: the «Сегодня» board (the branch's
queue for today, one-click visit steps, which scheduling.status carries out as for every
surface), the managers' summary of their branches' day, and where each role's day starts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..web import add_landing

# Where each role lands after signing in (`/`); the others get the home page.
LANDINGS = {
    "receptionist": "visits.today",  # the front desk: today's queue
    "doctor": "scheduling.calendar",  # their own day in the calendar
    "manager": "visits.summary",  # the day of their branches
    "admin": "visits.summary",  # the same, with users and settings at hand
}


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
    add_menu_entry(app, 30, "visits.today", _l("Сегодня"), "calendar.view")
    for role, endpoint in LANDINGS.items():
        add_landing(app, role, endpoint)
