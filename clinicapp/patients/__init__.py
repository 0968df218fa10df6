"""Patients: the people the clinics treat."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import STAFF_ROLES, declare
from ..core.signals import user_registered


def init_app(app) -> None:
    from . import handlers, views

    declare("patients.view", roles=STAFF_ROLES, label=_l("Видеть пациентов"))
    declare("patients.manage", roles=("manager", "receptionist"),
            label=_l("Заводить и менять карточки пациентов"))
    app.register_blueprint(views.bp)
    user_registered.connect(handlers.link_patient_record, sender=app, weak=False)
    add_menu_entry(app, 40, "patients.index", _l("Пациенты"), "patients.view")
