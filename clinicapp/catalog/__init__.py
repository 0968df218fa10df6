"""Service categories (a tree) and services with their price history."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core import money
from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare


def init_app(app) -> None:
    from . import views

    declare("catalog.view", roles=STAFF_ROLES, label=_l("Видеть прайс-лист"))
    declare("catalog.manage", roles=("manager",),
            label=_l("Менять прайс-лист, импорт и экспорт"))
    app.register_blueprint(views.bp)
    # The |money filter is the whole app's (billing will show amounts too); the price list
    # is its first user, so it is registered here until core registers its own filters.
    money.init_app(app)
    add_menu_entry(app, 72, "catalog.index", _l("Услуги"), "catalog.view", section="clinic")
