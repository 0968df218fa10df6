"""Status changes under real concurrency: staff browsers (threads, each its own session
and connection) change one ticket's status on its page while Chatwoot's webhook reports
statuses for it, on a live server with real commits. Each change locks the ticket's row,
so its history stays one chain (every change starts from the status the one before it
left) and the ticket shows the last one."""
from __future__ import annotations

import re

import psycopg2
import pytest
import requests

from tests.conftest import serve
from tests.scheduling.test_hours_race import _sign_in
from tests.scheduling.test_race import _race

from .test_upsert_race import _headers

pytestmark = pytest.mark.live

HOOK_TOKEN = "race-hook-token"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STAFF_STATUSES = ("pending", "closed", "other", "new")
CHATWOOT_STATUSES = ("resolved", "snoozed", "open", "weird")


@pytest.fixture(scope="module")
def hooked_server(live_server):
    """A second server over the live database, with Chatwoot's webhook token set."""
    server = serve(live_server.database_url, CHATWOOT_WEBHOOK_TOKEN=HOOK_TOKEN)
    yield server
    server.stop()


def _history(database_url: str, cons_id: str) -> tuple[str, list[tuple[str, str]]]:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id, status FROM consultation_tickets WHERE cons_id = %s",
                       (cons_id,))
        ticket_id, status = cursor.fetchone()
        cursor.execute("SELECT status_before, status_after FROM consultation_ticket_events "
                       "WHERE ticket_id = %s AND kind = 'status' ORDER BY id", (ticket_id,))
        return status, cursor.fetchall()


def test_staff_and_webhook_status_changes_form_one_chain(hooked_server, cli_user):
    base = hooked_server.url
    created = requests.post(base + "/api/consultations/create", headers=_headers(hooked_server),
                            timeout=10, json={"client": {"email": "chain@firm.uz"},
                                              "consultation": {"comment": "Гонка статусов"}})
    assert created.status_code == 200, created.text
    cons_id = created.json()["consultation"]["cons_id"]
    with psycopg2.connect(hooked_server.database_url) as connection, \
            connection.cursor() as cursor:
        cursor.execute("UPDATE consultation_tickets SET chatwoot_conversation_id = 777001 "
                       "WHERE cons_id = %s", (cons_id,))
    receptionist = cli_user("receptionist")
    senders = []
    for n in range(12):
        session = _sign_in(base, receptionist)
        page = session.get(f"{base}/consultations/{cons_id}", timeout=10).text
        senders.append(("staff", session, {"csrf_token": TOKEN.search(page).group(1),
                                           "status": STAFF_STATUSES[n % 4]}))
    for n in range(4):
        senders.append(("hook", None, {"event": "conversation_status_changed", "id": 777001,
                                       "status": CHATWOOT_STATUSES[n]}))

    def send(session, sender):
        kind, own, body = sender
        if kind == "staff":
            return own.post(f"{base}/consultations/{cons_id}/status", data=body,
                            allow_redirects=False, timeout=60)
        return session.post(f"{base}/api/integrations/chatwoot/webhook?token={HOOK_TOKEN}",
                            json=body, timeout=60)

    responses = _race(send, senders)
    assert all(r.status_code in (200, 302) for r in responses), [
        r.text[:200] for r in responses if r.status_code not in (200, 302)]
    status, chain = _history(hooked_server.database_url, cons_id)
    assert chain, "no status changed at all"
    previous = "new"
    for before, after in chain:
        assert before == previous, chain  # each change starts where the last one ended
        previous = after
    assert status == previous
