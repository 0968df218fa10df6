"""`flask --app wsgi outbox-worker`: deliver queued outbound jobs (several may run)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.process import stop_on_signals
from . import worker


def _summary(outcomes) -> str:
    return _("Доставлено: %(delivered)s, ошибок: %(failed)s, ждут настроек: %(waiting)s, "
             "в архиве ошибок: %(dead)s",
             delivered=outcomes["delivered"], failed=outcomes["failed"],
             waiting=outcomes["waiting"], dead=outcomes["dead"])


@click.command("outbox-worker")
@click.option("--once", is_flag=True,
              help=_l("Доставить то, что ждёт сейчас, и выйти (для cron и тестов)"))
@with_appcontext
def outbox_worker_command(once: bool):
    """Deliver queued jobs to Chatwoot, 1C, e-mail and SMS until stopped."""
    if once:
        click.echo(_summary(worker.deliver_due()))
        return
    stop = stop_on_signals()
    click.echo(_("Отправка из очереди запущена; остановка — Ctrl+C или SIGTERM"))
    click.echo(_summary(worker.run(stop)))
