"""`flask --app wsgi mark-no-shows`: the periodic job for cron (later the worker)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .status import mark_no_shows


@click.command("mark-no-shows")
@click.option("--grace-minutes", type=click.IntRange(0, 24 * 60), default=30, show_default=True,
              envvar="NO_SHOW_GRACE_MINUTES",
              help=_l("Сколько минут после начала ждать прихода (или NO_SHOW_GRACE_MINUTES)"))
@with_appcontext
def mark_no_shows_command(grace_minutes: int):
    """Mark `no_show` the booked or confirmed appointments whose start passed long ago."""
    marked = mark_no_shows(grace_minutes=grace_minutes)
    db.session.commit()
    click.echo(_("Отмечено «не пришёл»: %(num)s", num=len(marked)))
