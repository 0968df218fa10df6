"""The periodic scheduler: `flask scheduler --once` runs what is due, an advisory lock keeps
a second instance off a job another one is running, and /admin/schedule changes the plan."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.scheduler.models import ScheduledJob
from clinicapp.scheduler.runner import LOCK_NAMESPACE
from clinicapp.scheduling.models import Appointment
from tests.scheduling.conftest import add_appointment, world  # noqa: F401

from ..conftest import csrf_token


def _tick(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["scheduler", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _row(name: str) -> ScheduledJob:
    db.session.expire_all()
    return db.session.get(ScheduledJob, name)


def _status(appointment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id).status


def test_one_tick_runs_every_registered_job_that_is_due(app, add_appointment):  # noqa: F811
    missed = add_appointment(utcnow() - timedelta(hours=2))
    output = _tick(app, "--once")
    assert "mark-no-shows: готово — Отмечено «не пришёл»: 1" in output
    assert "reconcile-payments: готово" in output
    assert _status(missed.id) == "no_show"
    row = _row("mark-no-shows")
    assert row.last_outcome == "ok" and row.every_minutes == 15
    waits = db.session.scalar(select(ScheduledJob.next_run_at - func.now()).where(
        ScheduledJob.name == "mark-no-shows"))
    assert timedelta(minutes=14) < waits <= timedelta(minutes=15)
    assert _tick(app, "--once") == ""  # nothing is due any more


def test_a_job_another_instance_runs_is_skipped(app, add_appointment):  # noqa: F811
    missed = add_appointment(utcnow() - timedelta(hours=2))
    # Another scheduler process is in the middle of mark-no-shows: it holds the job's lock.
    with db.engine.connect() as other_instance:
        other_instance.execute(text("SELECT pg_advisory_lock(:ns, hashtext('mark-no-shows'))"),
                               {"ns": LOCK_NAMESPACE})
        output = _tick(app, "--once")
        assert "mark-no-shows: уже идёт в другом процессе" in output
        assert _status(missed.id) == "booked"
        assert _row("mark-no-shows").last_started_at is None
        other_instance.execute(text("SELECT pg_advisory_unlock_all()"))
        other_instance.commit()
    assert "mark-no-shows: готово" in _tick(app, "--once")
    assert _status(missed.id) == "no_show"


def test_a_failing_job_is_recorded_and_the_others_still_run(app, add_appointment):  # noqa: F811
    from clinicapp.scheduler import register_job

    def broken():
        raise RuntimeError("the target said no")

    register_job(app, "tests-broken", broken, every_minutes=5, label="Сломанная")
    try:
        missed = add_appointment(utcnow() - timedelta(hours=2))
        output = _tick(app, "--once")
        assert "tests-broken: ошибка — RuntimeError: the target said no" in output
        assert _status(missed.id) == "no_show"
        assert _row("tests-broken").last_outcome == "failed"
    finally:
        app.extensions["clinicapp.scheduler.jobs"].pop("tests-broken")


def test_run_one_job_now_by_name(app):
    _tick(app, "--once")
    assert "mark-no-shows: готово" in _tick(app, "--job", "mark-no-shows")
    bad = app.test_cli_runner().invoke(args=["scheduler", "--job", "no-such-job"])
    assert bad.exit_code == 2 and "no-such-job" in bad.output


def test_the_administrator_changes_pauses_and_starts_a_job(app, web_as, client):
    _tick(app, "--once")
    web_as("admin")
    page = client.get("/admin/schedule/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Отметить неявки" in html
    token = csrf_token(html)

    refused = client.post("/admin/schedule/mark-no-shows",
                          data={"csrf_token": token, "every_minutes": "0", "enabled": "on"})
    assert refused.status_code == 400
    assert "Интервал — целое число минут от 1 до 10080" in refused.get_data(as_text=True)
    assert _row("mark-no-shows").every_minutes == 15

    saved = client.post("/admin/schedule/mark-no-shows",
                        data={"csrf_token": token, "every_minutes": "60"})
    assert saved.status_code == 302
    row = _row("mark-no-shows")
    assert (row.every_minutes, row.enabled) == (60, False)

    client.post("/admin/schedule/mark-no-shows/run", data={"csrf_token": token})
    assert "mark-no-shows" not in _tick(app, "--once")  # paused: not run even when due
    client.post("/admin/schedule/mark-no-shows",
                data={"csrf_token": token, "every_minutes": "60", "enabled": "on"})
    db.session.execute(update(ScheduledJob).values(next_run_at=func.now()))
    db.session.commit()
    assert "mark-no-shows: готово" in _tick(app, "--once")


def test_an_unknown_job_is_404(web_as, client):
    web_as("admin")
    token = csrf_token(client.get("/admin/schedule/").get_data(as_text=True))
    assert client.post("/admin/schedule/nope/run", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("role", ["manager", "receptionist", "doctor"])
def test_only_administrators_see_the_schedule(role, web_as, client):
    web_as(role)
    assert client.get("/admin/schedule/").status_code == 403
