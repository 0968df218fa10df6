"""Rate limits with their default settings (document 000), on a live server.

The `client` fixture's app runs with RATELIMIT_ENABLED=False, so these tests
start their own server over the live database with the limits on: 5 sign-in
attempts a minute per address and per account, 10 API requests a second per
client (the signed-in user, else the address); a 429 carries `Retry-After`
and the JSON error shape.

Each test speaks from its own loopback address (127.0.0.x; Linux routes the
whole 127/8 to lo), so the per-address buckets of one test never touch another,
and the per-account limit can be shown from several addresses. The failed
sign-ins name accounts that do not exist, so no demo account gets locked.
"""
from __future__ import annotations

import socket
import time
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

from ..conftest import bearer, serve

ERROR_KEYS = {"detail", "error", "details"}
DEMO = {"username": "manager@clinic.test", "password": "demo-pass-2026"}
SECOND_DEMO = {"username": "reception@clinic.test", "password": "demo-pass-2026"}
AUTH_LIMIT = 5
API_LIMIT = 10


class _FromAddress(HTTPAdapter):
    """Connect from a chosen local address, so the server sees a different client."""

    def __init__(self, address: str):
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            pytest.skip(f"cannot send from {address} on this machine")
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


@pytest.fixture(scope="module")
def limited(live_server):
    """The app with its default rate limits, over the live server's seeded database."""
    # Memory storage even when the environment names a Redis: fresh buckets every run.
    server = serve(live_server.database_url, RATELIMIT_ENABLED="1", REDIS_URL="")
    try:
        yield server
    finally:
        server.stop()


def nobody() -> str:
    return f"nobody-{uuid.uuid4().hex[:10]}@example.ru"


def attempt(session, server, path: str = "/api/v1/auth/login", login: str | None = None):
    return session.post(server.url + path, timeout=10,
                        data={"username": login or nobody(), "password": "wrong-password"})


def assert_rate_limited(response, window: int) -> None:
    """429 with the error shape and Retry-After in whole seconds, within the limit's window.

    Flask-Limiter truncates the wait, so in a 1-second window it may say 0.
    """
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == "rate_limited"
    assert body["detail"]
    assert 0 <= int(response.headers["Retry-After"]) <= window


def burst(session, url: str, count: int, headers: dict) -> list[int]:
    """`count` GETs as fast as one connection allows; stops at the first 429."""
    statuses = []
    for _ in range(count):
        response = session.get(url, headers=headers, timeout=10)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert_rate_limited(response, 1)
            break
    return statuses


# --- sign-in: 5 a minute ---------------------------------------------------------

def test_sixth_login_attempt_from_one_address_is_429(limited):
    session = session_from("127.0.0.11")
    for _ in range(AUTH_LIMIT):  # a different account each time: only the address repeats
        assert attempt(session, limited).status_code == 401
    sixth = attempt(session, limited)
    assert_rate_limited(sixth, 60)
    assert int(sixth.headers["Retry-After"]) >= 50  # the minute has just begun
    # The address is blocked even for the right password of a real account.
    blocked = session.post(limited.url + "/api/v1/auth/login", json=DEMO, timeout=10)
    assert_rate_limited(blocked, 60)


def test_sixth_login_attempt_on_one_account_from_many_addresses_is_429(limited):
    account = nobody()
    for n in range(AUTH_LIMIT):
        assert attempt(session_from(f"127.0.0.{21 + n}"), limited, login=account).status_code == 401
    assert_rate_limited(attempt(session_from("127.0.0.27"), limited, login=account), 60)
    # The account's name in another case is the same account.
    assert_rate_limited(attempt(session_from("127.0.0.28"), limited, login=account.upper()), 60)
    # Another account from a fresh address is unaffected.
    assert attempt(session_from("127.0.0.29"), limited).status_code == 401


def test_the_login_limit_is_shared_by_both_login_paths(limited):
    session = session_from("127.0.0.31")
    for _ in range(AUTH_LIMIT):
        assert attempt(session, limited, "/api/v1/auth/login").status_code == 401
    assert_rate_limited(attempt(session, limited, "/api/auth/login"), 60)


# --- the API: 10 a second per client ---------------------------------------------

def test_health_is_exempt(limited):
    session = session_from("127.0.0.41")
    statuses = {session.get(limited.url + "/api/health", timeout=10).status_code
                for _ in range(3 * API_LIMIT)}
    assert statuses == {200}


def test_eleventh_api_request_in_a_second_is_429(limited):
    session = session_from("127.0.0.51")
    login = session.post(limited.url + "/api/v1/auth/login", json=DEMO, timeout=10)
    assert login.status_code == 200, login.text
    headers = bearer(login.json()["access"])
    url = limited.url + "/api/v1/users/me"
    started = time.monotonic()
    statuses = burst(session, url, 30, headers)
    elapsed = time.monotonic() - started
    assert statuses[-1] == 429, f"no 429 in {len(statuses)} requests over {elapsed:.2f}s"
    assert set(statuses[:API_LIMIT]) == {200}, statuses
    # The limit is the token holder's: another client is served meanwhile.
    other = session_from("127.0.0.52").get(url, timeout=10)
    assert other.status_code == 401  # no token: not limited, just not signed in


def test_the_api_limit_counts_all_endpoints_together(limited):
    session = session_from("127.0.0.61")
    login = session.post(limited.url + "/api/v1/auth/login", json=SECOND_DEMO, timeout=10)
    assert login.status_code == 200, login.text
    headers = bearer(login.json()["access"])
    paths = ("/api/v1/users/me", "/api/v1/auth/me", "/api/auth/me")
    statuses = []
    for n in range(24):  # 8 per endpoint: under 10 each, over 10 together
        response = session.get(limited.url + paths[n % 3], headers=headers, timeout=10)
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert 429 in statuses, statuses
