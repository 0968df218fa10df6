"""Consultations (document 004): clients, tickets, the question directory, the staff's
inbox, the sync to Chatwoot and 1С:ЦЛ through the outbox, Chatwoot's status webhook
(served by api/consultations.py, with the JSON endpoints)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import declare
from ..scheduler import register_job

STAFF = ("receptionist", "manager")  # and the admin, who holds everything


def init_app(app) -> None:
    from . import cli, sync, views

    declare("consultations.view", roles=STAFF, label=_l("Видеть консультации и клиентов"))
    declare("consultations.write", roles=STAFF,
            label=_l("Создавать консультации, менять статус, отвечать"))
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.sync_question_directory_command)
    add_menu_entry(app, 45, "consultations.inbox", _l("Консультации"), "consultations.view")
    sync.register(app)
    register_job(app, "sync-question-directory", cli.question_directory_job,
                 every_minutes=360, label=_l("Справочник вопросов из 1С:ЦЛ"))
