"""Chatwoot's webhook is outside the API's per-client rate limit (10/s), on a live server
with the limits on: a burst of status events is never answered 429, while the same
client's ordinary API calls are limited; a wrong token is still refused at once."""
from __future__ import annotations

import pytest

from ..auth.test_api_ratelimit import assert_rate_limited, session_from
from ..conftest import serve

HOOK_TOKEN = "burst-secret"
API_LIMIT = 10


@pytest.fixture(scope="module")
def limited(live_server):
    # Memory storage even when the environment names a Redis: fresh buckets every run.
    server = serve(live_server.database_url, RATELIMIT_ENABLED="1", REDIS_URL="",
                   CHATWOOT_WEBHOOK_TOKEN=HOOK_TOKEN)
    try:
        yield server
    finally:
        server.stop()


def _hook(session, server, token=HOOK_TOKEN, conversation_id=999_999):
    return session.post(server.url + f"/api/integrations/chatwoot/webhook?token={token}",
                        json={"event": "conversation_status_changed", "id": conversation_id,
                              "status": "resolved"}, timeout=10)


def test_a_burst_of_webhook_calls_is_not_throttled_while_the_api_is(limited):
    session = session_from("127.0.0.71")
    # The address's API budget is spent first: an ordinary endpoint answers 429 …
    statuses = []
    for _ in range(3 * API_LIMIT):
        response = session.get(limited.url + "/api/v1/users/me", timeout=10)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert_rate_limited(response, 1)
            break
    assert statuses[-1] == 429, statuses
    # … and right after, from the same address, 30 webhook calls are all served.
    answers = [_hook(session, limited) for _ in range(3 * API_LIMIT)]
    assert [answer.status_code for answer in answers] == [200] * (3 * API_LIMIT)
    assert all(answer.json() == {"ok": True, "status": None} for answer in answers)
    # The token still guards it: no 429, a refusal.
    assert _hook(session, limited, token="wrong").status_code == 403
    assert session.post(limited.url + "/api/integrations/chatwoot/webhook", json={},
                        timeout=10).status_code == 401
