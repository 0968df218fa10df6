"""`flask --app wsgi mark-no-shows`: also a periodic job of the scheduler."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .status import mark_no_shows


def mark_no_shows_job(grace_minutes: int | None = None) -> str:
    """The scheduler's job: mark the no-shows, say how many (the caller commits)."""
    if grace_minutes is None:
        grace_minutes = current_app.config["NO_SHOW_GRACE_MINUTES"]
    marked = mark_no_shows(grace_minutes=grace_minutes)
    return _("Отмечено «не пришёл»: %(num)s", num=len(marked))


@click.command("mark-no-shows")
@click.option("--grace-minutes", type=click.IntRange(0, 24 * 60), default=None,
              help=_l("Сколько минут после начала ждать прихода (по умолчанию "
                      "NO_SHOW_GRACE_MINUTES, 30)"))
@with_appcontext
def mark_no_shows_command(grace_minutes: int | None):
    """Mark `no_show` the booked or confirmed appointments whose start passed long ago."""
    summary = mark_no_shows_job(grace_minutes)
    db.session.commit()
    click.echo(summary)
