"""The front desk's «Сегодня»: the branch's queue for today, one-click visit steps
(which scheduling.status carries out, as for every surface)."""
from __future__ import annotations

from ..core.navigation import add_menu_entry


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
    add_menu_entry(app, 30, "visits.today", "Сегодня", "calendar.view")
