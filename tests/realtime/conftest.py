"""Fixtures of the realtime tests: demo sign-ins on live servers, Socket.IO and raw WebSocket
clients, a Redis database for the cross-process tests."""
from __future__ import annotations

import itertools
import json
import struct
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pyotp
import pytest
import redis
import requests
import socketio
import websocket

from clinicapp.seed import DEMO_ADMIN_TOTP_SECRET, DEMO_PASSWORD
from tests.conftest import csrf_token, serve

REDIS_URL = "redis://127.0.0.1:6379/5"
FAR_FUTURE = datetime(2035, 1, 1, 6, tzinfo=UTC)  # free of the demo appointments
TIMEOUT = 5


def api_login(base: str, email: str) -> dict:
    """The login answer (tokens, user, branches) of a demo account."""
    body = {"username": email, "password": DEMO_PASSWORD}
    if email.startswith("admin@"):
        body["totp_token"] = pyotp.TOTP(DEMO_ADMIN_TOTP_SECRET).now()
    response = requests.post(base + "/api/v1/auth/login", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def session_cookie(base: str, email: str) -> str:
    """A `Cookie` header of a staff member signed in through the login page."""
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=TIMEOUT)
    response = browser.post(base + "/login", timeout=TIMEOUT, allow_redirects=False, data={
        "csrf_token": csrf_token(page.text), "login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.text
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


@pytest.fixture(scope="session")
def demo(live_server):
    """Tokens of the demo accounts and the ids of the demo branches.

    home: the receptionist's only branch; other: a branch she is not assigned to.
    """
    base = live_server.url
    manager = api_login(base, "manager@clinic.test")
    reception = api_login(base, "reception@clinic.test")
    home = reception["branches"][0]["id"]
    other = next(b["id"] for b in manager["branches"] if b["id"] != home)
    return SimpleNamespace(
        url=base, database_url=live_server.database_url, home=home, other=other,
        manager=manager["access"],
        reception=reception["access"], reception_refresh=reception["refresh"],
        patient=api_login(base, "patient@clinic.test")["access"],
        cookie=session_cookie(base, "reception@clinic.test"))


# --- Socket.IO ---------------------------------------------------------------------

@contextmanager
def sio_client(base: str, join: int | None = None, **kwargs):
    """A connected Socket.IO client (joined to branch `join` if given), disconnected after.

    The disconnect runs in the background: the client library may wait 3 s for a
    close frame its own reader thread has already taken.
    """
    client = socketio.SimpleClient()
    client.connect(base, transports=["websocket"], wait_timeout=TIMEOUT, **kwargs)
    try:
        if join is not None:
            ack = client.call("join_branch", {"branch_id": join}, timeout=TIMEOUT)
            assert ack == {"ok": True, "branch_id": join}, ack
        yield client
    finally:
        threading.Thread(target=client.disconnect, daemon=True).start()


def _sio_about(client: socketio.SimpleClient, appointment_id: int, timeout: float):
    """The first (event name, payload) about that appointment within `timeout`, or None."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            name, payload = client.receive(timeout=left)
        except socketio.exceptions.TimeoutError:
            return None
        if payload["appointment"]["id"] == appointment_id:
            return name, payload
    return None


def sio_event(client: socketio.SimpleClient, appointment_id: int, event_type: str) -> dict:
    """The payload of the next event about that appointment, which must be `event_type`."""
    received = _sio_about(client, appointment_id, TIMEOUT)
    assert received is not None, f"no {event_type} of appointment {appointment_id}"
    assert received[0] == event_type == received[1]["type"], received
    return received[1]


def sio_silent(client: socketio.SimpleClient, appointment_id: int, wait: float = 1.5) -> None:
    """Nothing about that appointment arrives within `wait` seconds."""
    assert _sio_about(client, appointment_id, wait) is None


# --- raw WebSocket -------------------------------------------------------------------

def ws_url(base: str, branch_id: int, query: str = "") -> str:
    return base.replace("http://", "ws://", 1) + f"/ws/calendar/{branch_id}" + query


def ws_connect(base: str, branch_id: int, query: str = "", settle: float = 0.3,
               **options) -> websocket.WebSocket:
    """An open raw WebSocket; `settle` gives the server time to register it (the
    protocol has no 'subscribed' message, by design)."""
    client = websocket.create_connection(ws_url(base, branch_id, query), timeout=TIMEOUT,
                                         **options)
    time.sleep(settle)
    return client


def ws_frame(client: websocket.WebSocket) -> tuple:
    """("text", dict) for an event, ("close", code, reason) for a close frame."""
    opcode, data = client.recv_data(control_frame=True)
    if opcode == websocket.ABNF.OPCODE_CLOSE:
        code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
        return "close", code, data[2:].decode()
    assert opcode == websocket.ABNF.OPCODE_TEXT, opcode
    return "text", json.loads(data)


def ws_event(client: websocket.WebSocket, appointment_id: int, event_type: str) -> dict:
    """The next message about that appointment, which must be `event_type`."""
    client.settimeout(TIMEOUT)
    while True:
        frame = ws_frame(client)
        assert frame[0] == "text", frame
        if frame[1]["appointment"]["id"] == appointment_id:
            assert frame[1]["type"] == event_type, frame
            return frame[1]


def ws_silent(client: websocket.WebSocket, wait: float = 1.0) -> None:
    """No message at all within `wait` seconds."""
    client.settimeout(wait)
    with pytest.raises(websocket.WebSocketTimeoutException):
        client.recv()


def ws_refused(base: str, branch_id: int, query: str = "", **options) -> tuple:
    """Connect and expect a close frame before any event: (code, reason)."""
    client = websocket.create_connection(ws_url(base, branch_id, query), timeout=TIMEOUT,
                                         **options)
    try:
        frame = ws_frame(client)
    finally:
        client.close()
    assert frame[0] == "close", frame
    return frame[1], frame[2]


# --- Redis ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {exc}")
    return REDIS_URL


# --- appointments through the HTTP API --------------------------------------------------

def api(base: str, token: str, method: str, path: str, **kwargs) -> dict:
    response = requests.request(method, base + path, timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert response.ok, (response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="session")
def book(demo):
    """book(branch_id, base=demo.url) -> the API's answer (warnings dropped) for a new
    appointment there: a doctor of that branch, the first patient, a fresh future hour."""
    hours = itertools.count()
    patient = api(demo.url, demo.manager, "GET", "/api/v1/patients/patients?limit=1")[0]["id"]
    doctors = {}

    def doctor(branch_id: int) -> int:
        if branch_id not in doctors:
            staff = api(demo.url, demo.manager, "GET",
                        f"/api/v1/staff/employees?branch={branch_id}&limit=100")
            doctors[branch_id] = next(e["id"] for e in staff
                                      if e["is_doctor"] and branch_id in e["branches"])
        return doctors[branch_id]

    def factory(branch_id: int, base: str | None = None) -> dict:
        start = FAR_FUTURE + timedelta(hours=next(hours))
        answer = api(base or demo.url, demo.manager, "POST", "/api/v1/calendar/appointments",
                     json={"branch": branch_id, "employee": doctor(branch_id),
                           "patient": patient, "start_datetime": start.isoformat(),
                           "end_datetime": (start + timedelta(minutes=30)).isoformat(),
                           "override_hours": True})
        answer.pop("warnings")
        return answer

    return factory


@pytest.fixture(scope="module")
def pair(live_server, redis_url):
    """Two more server processes over the live server's database, sharing Redis."""
    servers = [serve(live_server.database_url, REDIS_URL=redis_url) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()
