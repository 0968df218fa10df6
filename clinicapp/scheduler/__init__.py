"""The periodic scheduler: jobs features register, run on a schedule kept in the database.

A feature calls `register_job(app, name, run, every_minutes=…, label=…)` from its
init_app. `flask --app wsgi scheduler` (the compose worker service runs it) runs
due jobs, each under a PostgreSQL advisory lock so that two instances never run
the same job at once. Administrators change intervals, pause a job or run it
now on /admin/schedule.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.permissions import declare
from .registry import register_job

__all__ = ["init_app", "register_job"]


def init_app(app) -> None:
    from . import cli, views

    declare("schedule.manage", roles=(),
            label=_l("Менять расписание фоновых задач (только администратор)"))
    app.cli.add_command(cli.scheduler_command)
    app.register_blueprint(views.bp)
