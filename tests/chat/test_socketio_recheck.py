"""Socket.IO connections are checked again while open (REALTIME_RECHECK_SECONDS): a
deactivated account, an expired token, a browser session ended by logout are disconnected
by the server and hear nothing more; a connection still valid stays."""
import time

import pytest

from clinicapp.auth import tokens
from clinicapp.auth.models import User
from clinicapp.extensions import db, socketio

from .conftest import chat_frames, send

WAIT = 15  # seconds a test waits at most for the server's re-check


def _wait_disconnected(client) -> None:
    deadline = time.monotonic() + WAIT
    while client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client.is_connected(), "not disconnected by the re-check"


@pytest.fixture
def recheck_now(app, monkeypatch):
    """recheck_now(): from now on every open connection is re-checked at each tick;
    back to the default before the test's transaction is thrown away."""

    def start():
        monkeypatch.setitem(app.config, "REALTIME_RECHECK_SECONDS", 0)

    yield start
    app.config["REALTIME_RECHECK_SECONDS"] = 3600  # the suite's (tests/conftest.py)
    time.sleep(0.2)  # a check under way ends before the test's connection is rolled back


def test_a_deactivated_users_socket_is_disconnected(sio, world, recheck_now):
    patient, doctor = sio("patient"), sio("doctor")
    db.session.get(User, world.id("patient")).is_active = False
    db.session.commit()
    recheck_now()
    _wait_disconnected(patient)
    assert doctor.is_connected()
    ack = send(doctor, type="message", content="Вы здесь?", recipient_id=world.id("patient"))
    assert ack["type"] == "error"  # and nobody inactive is written to any more
    assert chat_frames(doctor) == []


def test_an_expired_token_is_disconnected(app, world, monkeypatch, recheck_now):
    monkeypatch.setitem(app.config, "JWT_ACCESS_MINUTES", 1 / 60)  # a token of one second
    token = tokens.issue_tokens(db.session.get(User, world.id("patient")))["access"]
    db.session.commit()
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    recheck_now()
    _wait_disconnected(client)


def test_a_session_ended_by_logout_is_disconnected(app, client, auth, world, recheck_now):
    auth.login(world.emails["doctor"])
    page_socket = socketio.test_client(app, flask_test_client=client)
    assert page_socket.is_connected()
    auth.logout()
    recheck_now()
    _wait_disconnected(page_socket)
