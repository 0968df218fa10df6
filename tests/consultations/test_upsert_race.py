"""Racing duplicates from real concurrent HTTP clients resolve to one client (the unique
identity key and INSERT … ON CONFLICT), on a live server with real commits."""
from __future__ import annotations

import pytest
import requests

from tests.scheduling.test_race import _race

pytestmark = pytest.mark.live

CLIENTS = 16
MIXED_ROUNDS = 5
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


@pytest.mark.parametrize("round_", range(MIXED_ROUNDS))
def test_hash_and_contact_only_requests_for_one_person_at_once(live_server, round_):
    """Half the clients send the person's hash with their e-mail, half the e-mail alone.

    What is guaranteed: no 500 (a hash taken meanwhile is a 409 naming `client_id_hash`,
    never an IntegrityError), and requests sharing the contact or the hash wait for one
    another (an advisory lock per identity key), so they all end on one client, which
    carries the hash."""
    headers = _headers(live_server)
    url = live_server.url + "/api/clients"
    email, client_hash = f"mixed{round_}@firm.uz", f"mixed-hash-{round_}"
    bodies = [{"email": email, **({"client_id_hash": client_hash} if n % 2 else {})}
              for n in range(CLIENTS)]
    responses = _race(lambda session, body: session.post(url, headers=headers, timeout=60,
                                                         json=body), bodies)
    assert [r.status_code for r in responses] == [200] * CLIENTS, [
        r.text[:200] for r in responses if r.status_code != 200]
    assert len({r.json()["client_id"] for r in responses}) == 1
    by_hash = requests.get(f"{live_server.url}/api/clients/by-hash/{client_hash}",
                           headers=headers, timeout=10)
    assert by_hash.json()["client_id"] == responses[0].json()["client_id"]


def test_a_hash_taken_meanwhile_is_a_409_naming_it(live_server):
    """Another transaction gives the hash to another client while our request sets it on
    the one it found: the unique index makes ours wait, then refuses it. That is a 409
    naming `client_id_hash`, not a 500. (The other transaction is held open until our
    request is seen waiting on it, then committed: no timing involved.)"""
    import threading
    import time
    import uuid

    import psycopg2

    headers = _headers(live_server)
    url = live_server.url + "/api/clients"
    found = requests.post(url, headers=headers, timeout=10, json={"email": "taken@firm.uz"})
    assert found.status_code == 200, found.text
    other = psycopg2.connect(live_server.database_url)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "INSERT INTO consultation_clients (client_id, identity_key, client_id_hash, "
                "created_at, updated_at) VALUES (%s, 'hash:taken-hash', 'taken-hash', now(), "
                "now())", (str(uuid.uuid4()),))
        answers = []
        request = threading.Thread(target=lambda: answers.append(requests.post(
            url, headers=headers, timeout=60,
            json={"email": "taken@firm.uz", "client_id_hash": "taken-hash"})))
        request.start()
        with psycopg2.connect(live_server.database_url) as watcher, watcher.cursor() as cursor:
            for _ in range(600):  # until our request waits on the other transaction's row
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND wait_event_type = 'Lock'")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
        other.commit()
        request.join(timeout=60)
    finally:
        other.close()
    [answer] = answers
    assert answer.status_code == 409, answer.text
    assert "client_id_hash" in answer.json()["details"]
