"""Organization and its clinics (branches)."""
from __future__ import annotations

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare


def init_app(app) -> None:
    from . import views

    declare("org.view", roles=STAFF_ROLES, label="Видеть реквизиты и филиалы")
    declare("org.manage", roles=(),
            label="Менять реквизиты организации и филиалы (только администратор)")
    app.register_blueprint(views.bp)
    add_menu_entry(app, 70, "org.settings", "Клиника", "org.view")
