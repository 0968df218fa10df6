"""Service categories (a tree) and services with their price history."""
from __future__ import annotations

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare


def init_app(app) -> None:
    from . import views

    declare("catalog.view", roles=STAFF_ROLES, label="Видеть прайс-лист")
    declare("catalog.manage", roles=("manager",), label="Менять прайс-лист, импорт и экспорт")
    app.register_blueprint(views.bp)
    add_menu_entry(app, 60, "catalog.index", "Услуги", "catalog.view")
