"""Real worker processes (`flask --app wsgi outbox-worker`) over a scratch database,
delivering e-mail to an SMTP stand-in: two workers never send one job twice, and a
worker killed in the middle of a delivery loses nothing."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

import psycopg2
import pytest
from psycopg2.extras import Json

from clinicapp import embedded_db

from ..conftest import ROOT, _migrated_database
from ..notifications.stand_ins import SmtpStandIn

pytestmark = pytest.mark.live

MESSAGES = 40


class StallingSmtp(SmtpStandIn):
    """Holds the DATA answer (250) of messages while `hold` is set: the sender is mid-job."""

    def __init__(self, **options):
        super().__init__(**options)
        self.hold = threading.Event()
        self.holding = threading.Event()  # set once a message waits for its answer
        self.unanswered: list[str] = []  # Message-IDs whose DATA never got its 250

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if self.hold.is_set():
            self.unanswered.append(_message_id(envelope.original_content))
            self.holding.set()
            while self.hold.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def _message_id(raw: bytes) -> str:
    for line in raw.decode(errors="replace").splitlines():
        if line.lower().startswith("message-id:"):
            return line.split(":", 1)[1].strip()
    return ""


@pytest.fixture
def scratch_database(database_server):
    name = f"clinicapp_outbox_{os.getpid()}"
    url = _migrated_database(database_server, name)
    yield url
    embedded_db.drop_database(database_server, name)


def _queue_emails(url: str, count: int) -> list[str]:
    """E-mail jobs as notify() writes them; the message ids they carry."""
    ids = [uuid.uuid4().hex for _ in range(count)]
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        for number, message_id in enumerate(ids):
            cursor.execute("INSERT INTO outbox_jobs (topic, payload) VALUES ('email.send', %s)",
                           [Json({"to": f"patient{number}@example.test",
                                  "subject": f"Напоминание {number}", "text": "Завтра приём",
                                  "queued_at": datetime.now(timezone.utc).isoformat(),
                                  "message_id": message_id})])
    return ids


def _states(url: str) -> list[tuple[str, int]]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT status, attempts FROM outbox_jobs ORDER BY id")
        return cursor.fetchall()


def _worker(url: str, smtp: SmtpStandIn, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox-worker", *args], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "DATABASE_URL": url, "SMTP_URL": smtp.url(),
             "MAIL_FROM": "clinic@example.test", "OUTBOX_POLL_SECONDS": "0.2"})


def _started(worker: subprocess.Popen) -> None:
    """Wait for the worker's «started» line: printed once its SIGTERM handler is in place
    (before that, SIGTERM would kill a worker still importing the app)."""
    for line in worker.stdout:
        if "запущена" in line:
            return
    raise AssertionError(f"the worker exited with {worker.wait()} before starting")


def _wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_workers_deliver_every_job_once(scratch_database):
    with SmtpStandIn() as smtp:
        workers = [_worker(scratch_database, smtp) for _ in range(2)]
        try:
            for worker in workers:
                _started(worker)  # both are running before there is work to share
            ids = _queue_emails(scratch_database, MESSAGES)
            _wait_until(lambda: all(s == "delivered" for s, _ in _states(scratch_database)))
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            outputs = [worker.communicate(timeout=30)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    received = [str(mail.message["Message-ID"]).strip("<>").split("@")[0]
                for mail in smtp.received]
    assert sorted(received) == sorted(ids)  # each message once: none lost, none twice


def test_a_worker_killed_mid_delivery_loses_nothing(scratch_database):
    with StallingSmtp() as smtp:
        smtp.hold.set()
        [message_id] = _queue_emails(scratch_database, 1)
        first = _worker(scratch_database, smtp)
        try:
            assert smtp.holding.wait(60), "the worker never reached the SMTP server"
            first.kill()  # SIGKILL in the middle of the SMTP conversation
            first.wait(10)
            # Its transaction died with it: the job is queued, no attempt counted.
            _wait_until(lambda: _states(scratch_database) == [("queued", 0)], 10)
        finally:
            smtp.hold.clear()
            if first.poll() is None:
                first.kill()
        second = _worker(scratch_database, smtp, "--once")
        output = second.communicate(timeout=60)[0]
    assert second.returncode == 0 and "Доставлено: 1" in output, output
    assert _states(scratch_database) == [("delivered", 0)]
    delivered = [str(mail.message["Message-ID"]).strip("<>").split("@")[0]
                 for mail in smtp.received]
    assert delivered == [message_id]
    # The killed attempt never got its 250; the retry carries the same Message-ID, so a
    # mail client that did get both shows one letter.
    assert [value.strip("<>").split("@")[0] for value in smtp.unanswered] == [message_id]
