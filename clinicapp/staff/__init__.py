"""Employees and doctors (a doctor is an employee who can be booked)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare


def init_app(app) -> None:
    from . import views

    declare("staff.view", roles=STAFF_ROLES, label=_l("Видеть сотрудников своих филиалов"))
    declare("staff.manage", roles=("manager",),
            label=_l("Заводить сотрудников, выдавать и отзывать доступ"))
    app.register_blueprint(views.bp)
    add_menu_entry(app, 71, "staff.index", _l("Сотрудники"), "staff.view", section="clinic")
