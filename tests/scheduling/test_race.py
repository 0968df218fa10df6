"""No double booking under real concurrency: 32 HTTP clients race for one slot on a
live server (each thread its own connection); exactly one wins, all others get 409."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.live

CLIENTS = 32
RECEPTION = {"username": "reception@clinic.test", "password": "demo-pass-2026"}


def _json(response):
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def desk(live_server):
    """The demo receptionist's headers, branch and a free slot of one of its doctors."""
    token = _json(requests.post(live_server.url + "/api/v1/auth/login", json=RECEPTION,
                                timeout=30))["access"]
    headers = {"Authorization": f"Bearer {token}"}
    branch = _json(requests.get(live_server.url + "/api/v1/auth/me", headers=headers,
                                timeout=10))["branches"][0]["id"]
    doctors = _json(requests.get(live_server.url + "/api/v1/doctors",
                                 params={"clinic_id": branch}, timeout=10))
    patients = _json(requests.get(live_server.url + "/api/v1/patients/patients",
                                  headers=headers, params={"limit": 2}, timeout=10))
    for doctor in doctors:
        found = _json(requests.get(f"{live_server.url}/api/v1/doctors/{doctor['id']}/slots",
                                   params={"clinic_id": branch, "duration": 30}, timeout=10))
        if len(found) > 5:
            return headers, branch, doctor["id"], [p["id"] for p in patients], found
    pytest.fail("no doctor with free slots in the demo data")


def _disjoint(found: list[dict], count: int) -> list[dict]:
    """`count` slots whose times do not overlap (ISO strings in UTC compare as times)."""
    chosen: list[dict] = []
    for slot in found:
        if all(slot["start_datetime"] >= c["end_datetime"]
               or slot["end_datetime"] <= c["start_datetime"] for c in chosen):
            chosen.append(slot)
        if len(chosen) == count:
            return chosen
    pytest.fail("not enough free time in the demo data")


def _race(send, items) -> list[requests.Response]:
    """`send(session, item)` for every item at once, each thread with its own connection."""
    barrier = threading.Barrier(len(items))

    def attempt(item):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return send(session, item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(attempt, list(items)))


def test_32_clients_race_for_one_slot(live_server, desk):
    headers, branch, doctor, patients, found = desk
    slot = _disjoint(found, 5)[-1]
    body = {"branch": branch, "employee": doctor, "patient": patients[0],
            "start_datetime": slot["start_datetime"], "end_datetime": slot["end_datetime"]}
    url = live_server.url + "/api/v1/calendar/appointments"
    responses = _race(lambda session, _: session.post(url, json=body, headers=headers,
                                                      timeout=60), range(CLIENTS))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (CLIENTS - 1), [r.text[:300] for r in responses
                                                       if r.status_code not in (201, 409)]
    winner = next(r.json() for r in responses if r.status_code == 201)
    for response in responses:
        if response.status_code == 409:
            error = response.json()
            assert error["error"] == "slot_taken" and error["details"]["conflicts"] == [
                winner["id"]] and error["detail"].startswith("Занято: ")
    clashes = _json(requests.get(url + "/conflicts", headers=headers, timeout=10, params={
        "employee": doctor, "start_datetime": slot["start_datetime"],
        "end_datetime": slot["end_datetime"]}))
    assert [c["id"] for c in clashes] == [winner["id"]]


def test_racing_moves_onto_one_slot(live_server, desk):
    """Several appointments dragged onto the same free time at once: one lands."""
    headers, branch, doctor, patients, found = desk
    url = live_server.url + "/api/v1/calendar/appointments"
    created = []
    *sources, target, _ = _disjoint(found, 5)
    for slot in sources:
        response = requests.post(url, headers=headers, timeout=10, json={
            "branch": branch, "employee": doctor, "patient": patients[-1],
            "start_datetime": slot["start_datetime"], "end_datetime": slot["end_datetime"]})
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
    move = {"start_datetime": target["start_datetime"], "end_datetime": target["end_datetime"]}
    responses = _race(lambda session, appointment_id: session.post(
        f"{url}/{appointment_id}/move", json=move, headers=headers, timeout=60), created)
    assert sorted(r.status_code for r in responses) == [200] + [409] * (len(created) - 1)
