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
    # The clinic's settings and the administration are one menu item, «Клиника», with a
    # tab per page: the settings, staff, services, users, then the administrators' pages
    # (their packages sit lower and add nothing to the menu themselves).
    add_menu_entry(app, 73, "admin.users", _l("Пользователи"), "users.view", section="clinic")
    add_section_tab(app, "clinic", 80, "outbox.index", _l("Очередь отправки"), "outbox.manage")
    add_section_tab(app, "clinic", 81, "schedule.index", _l("Задачи по расписанию"),
                    "schedule.manage")
