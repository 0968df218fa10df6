"""Socket.IO handshakes: a JWT in `auth`, the session cookie, or refusal."""
import pytest
import requests
import socketio

from ..conftest import csrf_token

DEMO = {"username": "manager@clinic.test", "password": "demo-pass-2026"}


def _connect(url: str, **kwargs) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(url, transports=["websocket"], wait_timeout=5, **kwargs)
    return client


def _token(url: str) -> str:
    return requests.post(url + "/api/v1/auth/login", json=DEMO, timeout=5).json()["access"]


def test_token_in_auth_identifies_the_app_user(live_server):
    client = _connect(live_server.url, auth={"token": _token(live_server.url)})
    try:
        me = client.call("whoami", timeout=5)
    finally:
        client.disconnect()
    assert me["email"] == "manager@clinic.test" and me["role"] == "manager"
    assert len(me["branches"]) == 3


def test_session_cookie_identifies_the_page_user(live_server):
    browser = requests.Session()
    page = browser.get(live_server.url + "/login", timeout=5)
    browser.post(live_server.url + "/login", timeout=5, data={
        "csrf_token": csrf_token(page.text), "login": "reception@clinic.test",
        "password": "demo-pass-2026"})
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    client = _connect(live_server.url, headers={"Cookie": cookie})
    try:
        assert client.call("whoami", timeout=5)["role"] == "receptionist"
    finally:
        client.disconnect()


@pytest.mark.parametrize("auth", [None, {"token": "not-a-jwt"}, {"token": ""}])
def test_handshake_without_valid_credentials_is_refused(live_server, auth):
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server.url, auth=auth)


def test_hostile_tokens_are_refused_without_an_error(live_server):
    """A lone surrogate cannot even be encoded for the signature check; a number or a list
    is no token: each is a refused handshake, not a traceback in the log."""
    start = live_server.log_path.stat().st_size
    for token in ("\ud800", "a.\udfff.b", 42, ["x"], {"token": "x"}):
        with pytest.raises(socketio.exceptions.ConnectionError):
            _connect(live_server.url, auth={"token": token})
    with live_server.log_path.open() as log:
        log.seek(start)
        assert "Traceback" not in log.read()


def test_refresh_token_is_not_an_access_token(live_server):
    pair = requests.post(live_server.url + "/api/v1/auth/login", json=DEMO, timeout=5).json()
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server.url, auth={"token": pair["refresh"]})
