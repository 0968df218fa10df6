"""`flask --app wsgi send-reminders`: the day-before reminders, for cron or by hand; also
the scheduler's hourly job `send-reminders`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..extensions import db
from .appointments import send_day_before_reminders


def send_reminders_job() -> str:
    """The scheduler's job: queue the reminders due, say how many (the caller commits)."""
    return _("Напоминания поставлены в очередь: %(num)s", num=send_day_before_reminders())


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Queue the reminders of tomorrow's appointments (each once)."""
    summary = send_reminders_job()
    db.session.commit()
    click.echo(summary)
