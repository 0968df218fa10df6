"""The raw WebSocket of document 002: who may open /ws/calendar/<branch_id>."""
import pytest
import websocket

from .conftest import ws_connect, ws_refused, ws_silent

POLICY_VIOLATION = 1008


def _stays_open(client) -> None:
    """An accepted socket sends nothing by itself and answers pings."""
    ws_silent(client)
    client.settimeout(5)
    client.ping(b"are-you-there")
    assert client.recv_data(control_frame=True) == (websocket.ABNF.OPCODE_PONG, b"are-you-there")
    client.close()


def test_token_in_the_query(demo):
    _stays_open(ws_connect(demo.url, demo.home, f"?token={demo.reception}"))


def test_bearer_header(demo):
    _stays_open(ws_connect(demo.url, demo.home, header=[f"Authorization: Bearer {demo.reception}"]))


def test_staff_session_cookie(demo):
    _stays_open(ws_connect(demo.url, demo.home, cookie=demo.cookie))


def test_manager_may_watch_any_of_her_branches(demo):
    _stays_open(ws_connect(demo.url, demo.other, f"?token={demo.manager}"))


@pytest.mark.parametrize(("query", "options", "reason"), [
    ("", {}, "not_authenticated"),
    ("?token=", {}, "not_authenticated"),
    ("?token=not-a-jwt", {}, "not_authenticated"),
    ("", {"header": ["Authorization: Bearer not-a-jwt"]}, "not_authenticated"),
    ("", {"header": ["Authorization: Basic dXNlcjpwYXNz"]}, "not_authenticated"),
])
def test_missing_or_invalid_credentials_close_with_policy_violation(demo, query, options, reason):
    assert ws_refused(demo.url, demo.home, query, **options) == (POLICY_VIOLATION, reason)


def test_refresh_token_is_refused(demo):
    code, _ = ws_refused(demo.url, demo.home, f"?token={demo.reception_refresh}")
    assert code == POLICY_VIOLATION


def test_invalid_token_does_not_fall_back_to_the_cookie(demo):
    code, _ = ws_refused(demo.url, demo.home, "?token=bad", cookie=demo.cookie)
    assert code == POLICY_VIOLATION


def test_cookie_from_another_site_is_refused(demo):
    code, reason = ws_refused(demo.url, demo.home, cookie=demo.cookie,
                              origin="https://evil.example")
    assert (code, reason) == (POLICY_VIOLATION, "not_authenticated")


@pytest.mark.parametrize(("who", "branch", "reason"), [
    ("reception", "other", "branch_forbidden"),
    ("patient", "home", "permission_denied"),
    ("manager", 2_000_000, "not_found"),
    ("manager", 0, "not_found"),
])
def test_branch_the_user_may_not_watch_is_refused(demo, who, branch, reason):
    branch_id = getattr(demo, branch) if isinstance(branch, str) else branch
    token = getattr(demo, who)
    assert ws_refused(demo.url, branch_id, f"?token={token}") == (POLICY_VIOLATION, reason)

