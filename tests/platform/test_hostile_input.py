"""Hostile input gets a 400 naming the field, never a 500 (core/input_guard.py).

Deep JSON, lone surrogates, numbers Python will not convert, bytes that are not
UTF-8 in a query string; and tokens that never expire. Through the test client
for every kind, then against live servers (one with rate limits on, as in
production: the sign-in limiter reads the JSON body too).
"""
from __future__ import annotations

import json
import socket

import jwt as pyjwt
import pyotp
import pytest
import requests
import socketio
import websocket
from flask import request
from werkzeug.exceptions import BadRequest

from clinicapp.auth import tokens
from clinicapp.extensions import db

from ..conftest import bearer, serve

ERROR_KEYS = {"detail", "error", "details"}
JSON = "application/json"
SURROGATE = "\ud800"
DEMO = {"username": "manager@clinic.test", "password": "demo-pass-2026"}


def refused(response, field: str) -> dict:
    """A 400 in the error shape whose details name `field`; returns the body."""
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["error"] == "bad_request", body
    assert field in body["details"] and field in body["detail"], body
    return body


def post_json(client, path: str, text: str, **kwargs):
    """POST `text` as it is: the test client could not encode a lone surrogate itself."""
    return client.post(path, data=text, content_type=JSON, **kwargs)


@pytest.fixture
def staff_headers(app, make_user):
    """Authorization of an admin (every right, so a refusal is the guard's, not a 403)."""
    user = make_user("admin", totp_secret=pyotp.random_base32())
    pair = tokens.issue_tokens(user)
    db.session.commit()
    return bearer(pair["access"])


# --- deeply nested JSON ------------------------------------------------------------------

def test_deep_json_on_any_endpoint_is_refused(client):
    body = refused(client.get("/api/health", data="[" * 1000, content_type=JSON), "body")
    assert "32" in body["detail"]


def test_deep_json_inside_a_field_is_refused(client):
    nested = "[" * 400 + "]" * 400
    refused(post_json(client, "/api/v1/auth/login",
                      f'{{"username": {nested}, "password": "x"}}'), "body")


def test_brackets_inside_strings_and_moderate_nesting_are_fine(client):
    moderate = "[" * 30 + "]" * 30
    # Escaped quotes and backslashes inside strings do not confuse the bracket count.
    text = json.dumps({"username": "[" * 1000 + "@clinic.test", "password": '\\"[{' * 30})
    assert client.get("/api/health", data=moderate, content_type=JSON).status_code == 200
    response = post_json(client, "/api/v1/auth/login", text)
    assert response.status_code == 401, response.get_json()  # an ordinary wrong sign-in


def test_request_get_json_meets_a_400_not_a_recursion_error(app):
    """Any code reading the body (a limiter's key, get_json(force=True) on another
    content type) parses through the app's JSON provider, which has the same limits."""
    with app.test_request_context("/", data="[" * 1000, content_type="text/plain"):
        assert request.get_json(force=True, silent=True) is None
        with pytest.raises(BadRequest):
            request.get_json(force=True)


def test_malformed_or_empty_json_is_left_to_the_endpoint(client):
    assert client.get("/api/health", data="", content_type=JSON).status_code == 200
    assert client.get("/api/health", data="{oops", content_type=JSON).status_code == 200
    assert post_json(client, "/api/v1/auth/login", "{oops").status_code == 400


# --- lone surrogates ------------------------------------------------------------------------

ANONYMOUS_WRITES = [
    ("/api/v1/auth/login", {"username": SURROGATE, "password": "x"}, "username"),
    ("/api/v1/auth/login", {"email": "a@b.ru", "password": SURROGATE}, "password"),
    ("/api/v1/auth/register", {"email": "s@clinic.test", "password": "long-enough-1",
                               "full_name": SURROGATE}, "full_name"),
    ("/api/v1/auth/refresh", {"refresh": "a" + SURROGATE}, "refresh"),
]
STAFF_WRITES = [
    ("POST", "/api/v1/patients/patients",
     {"last_name": "Ив" + SURROGATE, "first_name": "Ив", "phone": "+79990001122"}, "last_name"),
    ("POST", "/api/v1/staff/employees",
     {"last_name": "Пе", "first_name": SURROGATE, "position": "Врач"}, "first_name"),
    ("POST", "/api/v1/services/categories", {"name": SURROGATE}, "name"),
    ("PATCH", "/api/v1/org/clinic-info", {"name": SURROGATE}, "name"),
    ("POST", "/api/v1/calendar/appointments",
     {"branch": 1, "employee": 1, "patient": 1, "comment": SURROGATE}, "comment"),
]


@pytest.mark.parametrize(("path", "body", "field"), ANONYMOUS_WRITES)
def test_lone_surrogate_before_sign_in_is_refused(client, path, body, field):
    refused(post_json(client, path, json.dumps(body)), field)


@pytest.mark.parametrize(("method", "path", "body", "field"), STAFF_WRITES)
def test_lone_surrogate_in_staff_writes_is_refused(client, staff_headers, method, path, body,
                                                   field):
    response = client.open(path, method=method, data=json.dumps(body), content_type=JSON,
                           headers=staff_headers)
    refused(response, field)


def test_surrogates_are_found_in_keys_nested_fields_and_raw_bytes(client):
    nested = json.dumps({"patient": {"names": ["ok", SURROGATE]}, SURROGATE: 1})
    body = refused(post_json(client, "/api/v1/auth/login", nested), "patient.names[1]")
    assert "\\ud800" in body["details"]
    raw = b'{"username": "\xed\xa0\x80", "password": "x"}'  # UTF-8-encoded surrogate
    refused(post_json(client, "/api/v1/auth/login", raw), "username")


def test_a_surrogate_pair_is_an_ordinary_character(client):
    text = json.dumps({"username": "\U0001f600@clinic.test", "password": "x"})
    assert post_json(client, "/api/v1/auth/login", text).status_code == 401


# --- numbers ----------------------------------------------------------------------------------

def test_integer_of_5000_digits_is_refused(client, staff_headers):
    digits = "9" * 5000
    refused(post_json(client, "/api/v1/auth/login",
                      f'{{"username": {digits}, "password": "x"}}'), "username")
    refused(post_json(client, "/api/v1/visits/visits", f'{{"appointment_id": {digits}}}',
                      headers=staff_headers), "appointment_id")


def test_numbers_json_does_not_have_are_refused(client):
    text = '{"username": "a", "password": "x", "n": [1e400, NaN, -Infinity]}'
    body = refused(post_json(client, "/api/v1/auth/login", text), "n[0]")
    assert {"n[1]", "n[2]"} <= set(body["details"])


# --- query strings, forms, pages -------------------------------------------------------------

def test_query_bytes_that_are_not_utf8_are_refused_on_the_api(client):
    refused(client.get("/api/health?x=%ED%A0%80"), "x")
    # Raw (not percent-encoded) bytes made werkzeug's request.args raise: a 500.
    refused(client.get("/api/health", environ_overrides={"QUERY_STRING": "y=\xff"}), "y")
    assert client.get("/api/health?name=%D0%AE%D0%BB%D1%8F").status_code == 200  # «Юля»


@pytest.mark.parametrize("query", ["next=%ED%A0%80", "next=\xed\xa0\x80"])
def test_pages_answer_not_utf8_query_with_a_400_page(client, query):
    page = client.get("/login", environ_overrides={"QUERY_STRING": query})
    assert page.status_code == 400 and "next" in page.get_data(as_text=True)
    fragment = client.get("/login", environ_overrides={"QUERY_STRING": query},
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 400
    assert fragment.get_data(as_text=True).lstrip().startswith("<div")


def test_multipart_field_that_is_not_utf8_is_refused(client):
    # werkzeug decodes multipart text with errors="replace": U+FFFD is all that is left.
    data = (b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n\xed\xa0\x80\r\n'
            b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n--b--\r\n')
    response = client.post("/api/auth/login", data=data,
                           content_type="multipart/form-data; boundary=b")
    refused(response, "username")


def test_nul_in_the_path_is_refused(client):
    refused(client.get("/api/v1/services/services/%00"), "path")


# --- tokens without exp -----------------------------------------------------------------------

def _without_exp(app, token: str) -> str:
    claims = pyjwt.decode(token, options={"verify_signature": False})
    claims.pop("exp")
    return pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")


def test_tokens_without_exp_are_refused_by_the_api(app, client, make_user):
    user = make_user("manager")
    pair = tokens.issue_tokens(user)
    db.session.commit()
    assert client.get("/api/v1/auth/me", headers=bearer(pair["access"])).status_code == 200
    response = client.get("/api/v1/auth/me", headers=bearer(_without_exp(app, pair["access"])))
    assert response.status_code == 401 and response.get_json()["error"] == "not_authenticated"
    response = client.post("/api/v1/auth/refresh",
                           json={"refresh": _without_exp(app, pair["refresh"])})
    assert response.status_code == 401


def _ws_close(url: str, branch_id: int, token: str) -> tuple[int, str]:
    """Open /ws/calendar/<branch_id>?token=…, expect a close frame: (code, reason)."""
    client = websocket.create_connection(
        url.replace("http://", "ws://", 1) + f"/ws/calendar/{branch_id}?token={token}", timeout=10)
    try:
        opcode, data = client.recv_data(control_frame=True)
    finally:
        client.close()
    assert opcode == websocket.ABNF.OPCODE_CLOSE, (opcode, data)
    return int.from_bytes(data[:2], "big"), data[2:].decode()


def test_token_without_exp_is_refused_live_by_api_socketio_and_websocket(app, live_server):
    access = requests.post(live_server.url + "/api/v1/auth/login", json=DEMO,
                           timeout=10).json()["access"]
    forever = _without_exp(app, access)
    me = requests.get(live_server.url + "/api/v1/auth/me", headers=bearer(forever), timeout=10)
    assert me.status_code == 401 and set(me.json()) == ERROR_KEYS

    sio = socketio.SimpleClient()
    sio.connect(live_server.url, transports=["websocket"], auth={"token": access}, wait_timeout=5)
    try:
        branch_id = sio.call("whoami", timeout=5)["branches"][0]
    finally:
        sio.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.SimpleClient().connect(live_server.url, transports=["websocket"],
                                        auth={"token": forever}, wait_timeout=5)
    assert _ws_close(live_server.url, branch_id, forever) == (1008, "not_authenticated")


# --- live ---------------------------------------------------------------------------------------

def _raw_get(url: str, target: bytes) -> int:
    """The status of `GET target`, sent as raw bytes (clients would percent-encode them)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        return int(sock.recv(64).split()[1])


def test_live_server_with_rate_limits_refuses_each_kind(live_server):
    # Rate limits on, as in production: the sign-in limiter's account key reads the body too.
    server = serve(live_server.database_url, RATELIMIT_ENABLED="1")
    try:
        login = server.url + "/api/v1/auth/login"
        headers = {"Content-Type": JSON}
        bodies = {
            "body": '{"username": ' + "[" * 1000 + "]" * 1000 + "}",
            "username": '{"username": "\\ud800", "password": "x"}',
            "password": '{"username": "a", "password": ' + "1" * 5000 + "}",
        }
        for field, text in bodies.items():
            response = requests.post(login, data=text, headers=headers, timeout=10)
            assert response.status_code == 400 and field in response.json()["details"], \
                response.text
        deep = requests.get(server.url + "/api/health", data="[" * 1000, headers=headers,
                            timeout=10)
        assert deep.status_code == 400
        assert _raw_get(server.url, b"/login?next=\xed\xa0\x80") == 400
        assert requests.get(server.url + "/api/health", timeout=10).ok  # still serving
    finally:
        server.stop()
