"""Status steps under real concurrency, on a live server: desks racing to open one visit,
to finish it and to cancel it end with one visit that agrees with its appointment."""
from __future__ import annotations

import psycopg2
import pytest
import requests

from tests.scheduling.test_race import _disjoint, _json, _race, desk  # noqa: F401

pytestmark = pytest.mark.live

CLIENTS = 16


def _book(live_server, desk_value, slot_index: int) -> int:
    headers, branch, doctor, patients, found = desk_value
    slot = _disjoint(found, 2)[slot_index]
    response = _post(live_server, "/api/v1/calendar/appointments", headers, {
        "branch": branch, "employee": doctor, "patient": patients[1],
        "start_datetime": slot["start_datetime"], "end_datetime": slot["end_datetime"]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _post(live_server, path: str, headers: dict, body: dict | None = None):
    return requests.post(live_server.url + path, json=body, headers=headers, timeout=60)


def _state(live_server, appointment_id: int) -> tuple:
    """(appointment status, [visit statuses]) straight from the database."""
    with psycopg2.connect(live_server.database_url) as connection, connection.cursor() as cur:
        cur.execute("SELECT status FROM appointments WHERE id = %s", (appointment_id,))
        [status] = cur.fetchone()
        cur.execute("SELECT status FROM visits WHERE appointment_id = %s", (appointment_id,))
        return status, [row[0] for row in cur.fetchall()]


def test_desks_racing_to_open_one_visit(live_server, desk):  # noqa: F811
    headers = desk[0]
    appointment = _book(live_server, desk, 0)
    url = live_server.url + "/api/v1/visits/visits"
    responses = _race(lambda session, _: session.post(
        url, json={"appointment": appointment, "status": "arrived"}, headers=headers,
        timeout=60), range(CLIENTS))
    assert sorted(r.status_code for r in responses) == [201] + [409] * (CLIENTS - 1)
    assert _state(live_server, appointment) == ("arrived", ["arrived"])


def test_finishing_and_cancelling_at_once_agree(live_server, desk):  # noqa: F811
    headers = desk[0]
    appointment = _book(live_server, desk, 1)
    opened = _post(live_server, "/api/v1/visits/visits", headers,
                   {"appointment": appointment, "status": "arrived"})
    visit = opened.json()["id"]
    finish = f"{live_server.url}/api/v1/visits/visits/{visit}/finish"
    cancel = f"{live_server.url}/api/v1/calendar/appointments/{appointment}"

    def send(session, n):
        if n % 2:
            return session.post(finish, headers=headers, timeout=60)
        return session.patch(cancel, headers=headers, timeout=60,
                             json={"status": "cancelled", "cancel_reason": "Ушёл"})

    responses = _race(send, range(CLIENTS))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 409}, [r.text[:200] for r in responses]
    status, visits = _state(live_server, appointment)
    if status == "completed":  # finished first: every cancel after it is refused
        assert visits == ["completed"] and codes[0::2] == [409] * (CLIENTS // 2)
    else:  # cancelled first: the patient left, the visit stays where it was
        assert status == "cancelled" and visits == ["arrived"]
        assert codes[1::2] == [409] * (CLIENTS // 2)
