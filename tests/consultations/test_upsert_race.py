"""Racing duplicates from real concurrent HTTP clients resolve to one client (the unique
identity key and INSERT … ON CONFLICT), on a live server with real commits."""
from __future__ import annotations

import pytest
import requests

from tests.scheduling.test_race import _race

pytestmark = pytest.mark.live

CLIENTS = 16
RECEPTION = {"username": "reception@clinic.test", "password": "demo-pass-2026"}


def _headers(live_server) -> dict:
    response = requests.post(live_server.url + "/api/v1/auth/login", json=RECEPTION, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access']}"}


def test_16_clients_upsert_the_same_client_at_once(live_server):
    headers = _headers(live_server)
    body = {"email": "race@firm.uz", "phone_number": "+998907770011", "org_inn": "300300300"}
    url = live_server.url + "/api/clients"
    responses = _race(lambda session, n: session.post(url, headers=headers, timeout=60,
                                                      json={**body, "city": f"City {n}"}),
                      range(CLIENTS))
    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text[:200] for r in responses]
    assert len({r.json()["client_id"] for r in responses}) == 1


def test_16_consultations_for_a_new_client_share_one_client(live_server):
    headers = _headers(live_server)
    url = live_server.url + "/api/consultations/create"
    body = {"client": {"client_id_hash": "race-hash-1", "email": "race2@firm.uz"},
            "consultation": {"comment": "Одновременно"}, "source": "SITE"}
    responses = _race(lambda session, _: session.post(url, headers=headers, timeout=60,
                                                      json=body), range(CLIENTS))
    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text[:200] for r in responses]
    client_ids = {r.json()["client_id"] for r in responses}
    assert len(client_ids) == 1
    tickets = requests.get(f"{live_server.url}/api/tickets/clients/{client_ids.pop()}/tickets",
                           headers=headers, timeout=10).json()
    assert tickets["total"] == CLIENTS
    assert len({t["cons_id"] for t in tickets["tickets"]}) == CLIENTS
