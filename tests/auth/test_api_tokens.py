"""App tokens through HTTP: refresh rotation and reuse detection, logout, revocation.

A sign-in starts a token family; a refresh token is spent once; presenting a
spent one revokes the whole family (its newest refresh token and its access
tokens). Logout revokes the family of the token it is called with; other
sign-ins of the same person keep working. The last tests repeat the key flows
on a live server, where every request is its own transaction (the `client`
fixture shares one session across requests and would hide a missing commit).
"""
from __future__ import annotations

import time
import uuid

import jwt as pyjwt
import pytest
import requests

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import TokenFamily
from clinicapp.extensions import db

from ..conftest import bearer
from .test_api_auth import ME_PATHS, assert_error, me, tokens_of, v1_login

REFRESH_FORMS = {
    "002-body-refresh": ("/api/v1/auth/refresh", "json", "refresh"),
    "001-body-refresh_token": ("/api/v1/auth/refresh", "json", "refresh_token"),
    "000-query-refresh_token": ("/api/auth/refresh", "query_string", "refresh_token"),
}
LOGOUT_PATHS = ("/api/v1/auth/logout", "/api/auth/logout")
DEMO = {"username": "manager@clinic.test", "password": "demo-pass-2026"}


def refresh(client, token: str, form: str = "002-body-refresh"):
    path, where, name = REFRESH_FORMS[form]
    return client.post(path, **{where: {name: token}})


def sign_in(client, make_user, role: str = "doctor") -> dict:
    return tokens_of(v1_login(client, make_user(role).email))


def resigned(app, token: str, **changes) -> str:
    """The token's own claims with `changes`, signed with the app's real key."""
    claims = pyjwt.decode(token, options={"verify_signature": False})
    return pyjwt.encode({**claims, **changes}, app.config["JWT_SECRET_KEY"], algorithm="HS256")


# --- rotation and reuse --------------------------------------------------------

@pytest.mark.parametrize("form", REFRESH_FORMS)
def test_refresh_rotates_and_the_old_token_is_refused(client, make_user, form):
    pair = sign_in(client, make_user)
    new = tokens_of(refresh(client, pair["refresh"], form))
    assert new["refresh"] != pair["refresh"]
    assert me(client, new["access"]).status_code == 200
    assert_error(refresh(client, pair["refresh"], form), 401)


def test_reusing_a_refresh_token_revokes_the_whole_family(client, make_user):
    first = sign_in(client, make_user)
    second = tokens_of(refresh(client, first["refresh"]))
    third = tokens_of(refresh(client, second["refresh"]))

    body = assert_error(refresh(client, first["refresh"]), 401, "token_reused")
    assert "refresh" in body["detail"].lower()

    assert_error(refresh(client, third["refresh"]), 401)
    for pair in (first, second, third):
        assert_error(me(client, pair["access"]), 401, "not_authenticated")
    user_id = int(pyjwt.decode(first["access"], options={"verify_signature": False})["sub"])
    family = db.session.scalar(db.select(TokenFamily).where(TokenFamily.user_id == user_id))
    assert family.revoked_at is not None and family.revoke_reason == "reuse"
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "auth.refresh_reuse", AuditEntry.target_id == str(user_id)))


def test_reuse_leaves_the_other_sign_ins_of_the_person_alone(client, make_user):
    user = make_user("doctor")
    phone, laptop = tokens_of(v1_login(client, user.email)), tokens_of(v1_login(client, user.email))
    refresh(client, phone["refresh"])
    assert_error(refresh(client, phone["refresh"]), 401, "token_reused")
    assert me(client, laptop["access"]).status_code == 200
    assert refresh(client, laptop["refresh"]).status_code == 200


# --- tokens that are not refresh tokens, or not ours ---------------------------

@pytest.mark.parametrize("form", REFRESH_FORMS)
def test_an_access_token_is_not_a_refresh_token(client, make_user, form):
    pair = sign_in(client, make_user)
    assert_error(refresh(client, pair["access"], form), 401, "token_invalid")
    assert refresh(client, pair["refresh"], form).status_code == 200  # the real one still works


@pytest.mark.parametrize("path", ME_PATHS)
def test_a_refresh_token_is_not_an_access_token(client, make_user, path):
    pair = sign_in(client, make_user)
    assert_error(client.get(path, headers=bearer(pair["refresh"])), 401, "not_authenticated")


@pytest.mark.parametrize("form", REFRESH_FORMS)
@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000])
def test_a_garbage_refresh_token_is_401(client, form, token):
    assert_error(refresh(client, token, form), 401, "token_invalid")


@pytest.mark.parametrize("form", REFRESH_FORMS)
def test_a_missing_refresh_token_is_400_naming_the_field(client, form):
    path, _where, _name = REFRESH_FORMS[form]
    body = assert_error(client.post(path, json={}), 400)
    assert "refresh_token" in body["details"]


def test_tokens_signed_with_another_key_are_refused(client, make_user):
    pair = sign_in(client, make_user)
    claims = pyjwt.decode(pair["access"], options={"verify_signature": False})
    forged = pyjwt.encode(claims, "not-the-server-key-" * 3, algorithm="HS256")
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned):
        assert_error(me(client, token), 401, "not_authenticated")
    refresh_claims = pyjwt.decode(pair["refresh"], options={"verify_signature": False})
    assert_error(refresh(client, pyjwt.encode(refresh_claims, "k" * 40, algorithm="HS256")), 401)


def test_expired_tokens_are_refused(app, client, make_user):
    pair = sign_in(client, make_user)
    past = {"exp": int(time.time()) - 60, "iat": int(time.time()) - 3600,
            "nbf": int(time.time()) - 3600}
    assert me(client, resigned(app, pair["access"])).status_code == 200  # re-signing is faithful
    assert_error(me(client, resigned(app, pair["access"], **past)), 401, "not_authenticated")
    assert_error(refresh(client, resigned(app, pair["refresh"], **past)), 401, "token_invalid")


# --- logout -------------------------------------------------------------------------

@pytest.mark.parametrize("path", LOGOUT_PATHS)
def test_logout_revokes_that_sign_in_only(client, make_user, path):
    user = make_user("doctor")
    phone, laptop = tokens_of(v1_login(client, user.email)), tokens_of(v1_login(client, user.email))
    response = client.post(path, headers=bearer(phone["access"]))
    assert response.status_code == 200
    assert response.get_json()["detail"]
    for me_path in ME_PATHS:
        assert_error(me(client, phone["access"], me_path), 401)
        assert me(client, laptop["access"], me_path).status_code == 200
    assert_error(refresh(client, phone["refresh"]), 401)
    assert refresh(client, laptop["refresh"]).status_code == 200


def test_logout_revokes_the_tokens_rotated_from_that_sign_in(client, make_user):
    first = sign_in(client, make_user)
    second = tokens_of(refresh(client, first["refresh"]))
    assert client.post("/api/v1/auth/logout", headers=bearer(first["access"])).status_code == 200
    assert_error(me(client, second["access"]), 401)
    assert_error(refresh(client, second["refresh"]), 401)


@pytest.mark.parametrize("path", LOGOUT_PATHS)
@pytest.mark.parametrize("header", [{}, {"Authorization": "Bearer garbage"}])
def test_logout_needs_a_valid_access_token(client, path, header):
    assert_error(client.post(path, headers=header), 401, "not_authenticated")


# --- deactivated people and one token everywhere -------------------------------

def test_a_deactivated_user_is_refused_everywhere(client, make_user):
    user = make_user("cashier")
    pair = tokens_of(v1_login(client, user.email))
    user.is_active = False
    db.session.commit()
    for path in ME_PATHS:
        assert_error(me(client, pair["access"], path), 401, "not_authenticated")
    assert_error(refresh(client, pair["refresh"]), 401)
    for response in (v1_login(client, user.email),
                     client.post("/api/auth/login", data={"username": user.email,
                                                          "password": "test-pass-123"})):
        assert_error(response, 401)  # `account_disabled` once the password is right


def test_one_access_token_works_on_every_me_endpoint(client, make_user):
    user = make_user("doctor")
    access = tokens_of(v1_login(client, user.email))["access"]
    bodies = [me(client, access, path).get_json() for path in ME_PATHS]
    assert [b["id"] for b in bodies] == [user.id] * 3
    assert [b["email"] for b in bodies] == [user.email] * 3


def test_tokens_from_every_login_form_are_interchangeable(client, make_user):
    user = make_user("patient")
    legacy = tokens_of(client.post("/api/auth/login",
                                   data={"username": user.email, "password": "test-pass-123"}))
    assert me(client, legacy["access_token"], "/api/v1/users/me").get_json()["id"] == user.id
    assert tokens_of(refresh(client, legacy["refresh_token"], "002-body-refresh"))


# --- on a live server: every request commits or rolls back on its own ----------

def _post(server, path: str, **kwargs) -> requests.Response:
    return requests.post(server.url + path, timeout=10, **kwargs)


def _get_me(server, token: str) -> requests.Response:
    return requests.get(server.url + "/api/v1/users/me", headers=bearer(token), timeout=10)


def test_live_sign_in_refresh_and_logout_persist(live_server):
    pair = _post(live_server, "/api/v1/auth/login", json=DEMO).json()
    assert _get_me(live_server, pair["access"]).json()["email"] == DEMO["username"]
    new = _post(live_server, "/api/v1/auth/refresh", json={"refresh": pair["refresh"]})
    assert new.status_code == 200, new.text
    new = new.json()
    assert _get_me(live_server, new["access"]).status_code == 200
    logout = _post(live_server, "/api/v1/auth/logout", headers=bearer(new["access"]))
    assert logout.status_code == 200
    assert _get_me(live_server, new["access"]).status_code == 401
    assert _get_me(live_server, pair["access"]).status_code == 401
    spent = _post(live_server, "/api/v1/auth/refresh", json={"refresh": new["refresh"]})
    assert spent.status_code == 401


def test_live_refresh_reuse_revokes_the_family(live_server):
    first = _post(live_server, "/api/v1/auth/login", json=DEMO).json()
    second = _post(live_server, "/api/v1/auth/refresh", json={"refresh": first["refresh"]}).json()
    reuse = _post(live_server, "/api/v1/auth/refresh", json={"refresh": first["refresh"]})
    assert reuse.status_code == 401 and reuse.json()["error"] == "token_reused"
    assert _post(live_server, "/api/v1/auth/refresh",
                 json={"refresh": second["refresh"]}).status_code == 401
    assert _get_me(live_server, second["access"]).status_code == 401


def test_live_registration_persists(live_server):
    email = f"live-{uuid.uuid4().hex[:12]}@example.ru"
    created = _post(live_server, "/api/v1/auth/register",
                    json={"email": email, "password": "long-enough-1", "full_name": "Живой Тест"})
    assert created.status_code == 201, created.text
    login = _post(live_server, "/api/auth/login", data={"username": email,
                                                        "password": "long-enough-1"})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["id"] == created.json()["id"]
