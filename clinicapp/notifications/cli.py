"""`flask --app wsgi send-reminders`: the day-before reminders, for cron or by hand (the
scheduler runs the same function every hour)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..extensions import db
from .appointments import send_day_before_reminders


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Queue the reminders of tomorrow's appointments (each once)."""
    queued = send_day_before_reminders()
    db.session.commit()
    click.echo(_("Напоминания поставлены в очередь: %(num)s", num=queued))
