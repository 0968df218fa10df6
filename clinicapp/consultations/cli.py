"""`flask sync-question-directory`: fetch 1С:ЦЛ's question directory now."""
from __future__ import annotations

import click
from flask_babel import gettext as _

from ..extensions import db
from .directory import refresh_question_directory
from .targets import NotConfigured, NotReachable


def question_directory_job() -> str:
    """The scheduler's job: refresh the directory when 1С:ЦЛ is configured (the caller
    commits); unreachable raises, so the run is marked failed and tried next time."""
    try:
        counts = refresh_question_directory()
    except NotConfigured:
        return _("1С:ЦЛ не настроена: справочник не обновлялся")
    return _("Категорий: %(categories)s, вопросов: %(questions)s", **counts)


@click.command("sync-question-directory")
def sync_question_directory_command():
    """Refresh the consultations' question directory from 1С:ЦЛ."""
    try:
        counts = refresh_question_directory()
    except NotConfigured as exc:
        raise click.ClickException(f"1С:ЦЛ is not configured: {exc}") from exc
    except NotReachable as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"categories: {counts['categories']}, questions: {counts['questions']}")
