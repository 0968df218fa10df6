"""`flask --app wsgi scheduler`: run the periodic jobs on their schedule."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.process import stop_on_signals
from . import runner

STATES = {"ok": _l("готово"), "failed": _l("ошибка"), "busy": _l("уже идёт в другом процессе"),
          "not_due": _l("уже выполнена другим процессом")}


def _report(outcome: runner.Outcome) -> None:
    line = f"{outcome.name}: {STATES[outcome.state]}"
    click.echo(f"{line} — {outcome.message}" if outcome.message else line)


@click.command("scheduler")
@click.option("--once", is_flag=True, help=_l("Один проход: выполнить то, что пора, и выйти"))
@click.option("--job", "job_name", default=None,
              help=_l("Выполнить одну задачу сейчас, не дожидаясь расписания"))
@with_appcontext
def scheduler_command(once: bool, job_name: str | None):
    """Run mark-no-shows, reminders, reconcile-payments… each on its schedule."""
    runner.ensure_schedule()
    if job_name:
        if job_name not in runner.registered_jobs():
            raise click.BadParameter(_("нет такой задачи: %(name)s", name=job_name),
                                     param_hint="--job")
        _report(runner.run_job(job_name, only_if_due=False))
        return
    if once:
        for outcome in runner.tick():
            _report(outcome)
        return
    stop = stop_on_signals()
    click.echo(_("Планировщик запущен; остановка — Ctrl+C или SIGTERM"))
    runner.run(stop, current_app.config["SCHEDULER_TICK_SECONDS"])
