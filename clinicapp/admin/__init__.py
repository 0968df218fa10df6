"""Administration pages: users (later: dashboard, audit log)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry, add_section_tab
from ..core.permissions import declare


def init_app(app) -> None:
    from . import views

    declare("users.view", roles=("manager",), label=_l("Видеть пользователей и их доступ"))
    declare("users.manage", roles=(),
            label=_l("Заводить пользователей, менять роли и доступ (только администратор)"))
    app.register_blueprint(views.bp)
    add_menu_entry(app, 80, "admin.users", _l("Пользователи"), "users.view")
    # The admin area's pages, as tabs on each of them (their packages sit lower).
    add_section_tab(app, "admin", 10, "admin.users", _l("Пользователи"), "users.view")
    add_section_tab(app, "admin", 20, "outbox.index", _l("Очередь отправки"), "outbox.manage")
    add_section_tab(app, "admin", 30, "schedule.index", _l("Задачи по расписанию"),
                    "schedule.manage")
