"""Fixtures of the notification tests: a clinic with a doctor and patients (scheduling's
world), development mode's folder, the outbox worker."""
from __future__ import annotations

from pathlib import Path

import pytest

from clinicapp.extensions import db
from clinicapp.outbox.models import OutboxJob
from tests.scheduling.conftest import (  # noqa: F401 - fixtures shared with scheduling
    add_appointment,
    api_as,
    desk,
    patient_api,
    world,
)


@pytest.fixture
def dev_mail(app, tmp_path, monkeypatch) -> Path:
    """Development mode (no SMTP, no SMS provider) writing into a folder of this test."""
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_DEV_DIR", str(folder))
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "")
    return folder


@pytest.fixture
def deliver(deliver_once):
    """deliver() -> the worker's summary line (tests/conftest.py's deliver_once)."""
    return deliver_once


def jobs(topic: str | None = None, key: str | None = None) -> list[OutboxJob]:
    statement = db.select(OutboxJob).order_by(OutboxJob.id)
    if topic:
        statement = statement.where(OutboxJob.topic == topic)
    if key:
        statement = statement.where(OutboxJob.key == key)
    db.session.expire_all()
    return list(db.session.scalars(statement))


def make_due(job: OutboxJob) -> None:
    """Bring a retry's turn forward (the test does not wait for the backoff)."""
    job.not_before = db.func.now()
    db.session.commit()
