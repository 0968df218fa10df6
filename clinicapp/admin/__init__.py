"""Administration pages: users (later: dashboard, audit log)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import declare


def init_app(app) -> None:
    from . import views

    declare("users.view", roles=("manager",), label=_l("Видеть пользователей и их доступ"))
    declare("users.manage", roles=(),
            label=_l("Заводить пользователей, менять роли и доступ (только администратор)"))
    app.register_blueprint(views.bp)
    add_menu_entry(app, 80, "admin.users", _l("Пользователи"), "users.view")
