"""Organization and its clinics (branches)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare


def init_app(app) -> None:
    from . import clock, views

    declare("org.view", roles=STAFF_ROLES, label=_l("Видеть реквизиты и филиалы"))
    declare("org.manage", roles=(),
            label=_l("Менять реквизиты организации и филиалы (только администратор)"))
    app.register_blueprint(views.bp)
    # Every page shows instants and zones through the one clock (org owns it):
    # `{{ moment|local_time(zone) }}`, `{{ clinic.timezone|zone_label }}`, and dates as the
    # reader's language writes them: `{{ patient.birth_date|date_text }}`.
    app.add_template_filter(clock.local_text, "local_time")
    app.add_template_filter(clock.zone_label, "zone_label")
    app.add_template_filter(clock.date_text, "date_text")
    add_menu_entry(app, 70, "org.settings", _l("Клиника"), "org.view", section="clinic")
