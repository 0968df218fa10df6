"""Sign-in for apps through HTTP: the auth endpoints of documents 000, 001 and 002.

Register, log in (form data, JSON, `email` or `username`, TOTP and recovery
codes), `me`, lockout, the error shape and bad bodies. Token rotation and
logout are in test_api_tokens.py, rate limits in test_api_ratelimit.py, the
OpenAPI document and its viewers in test_api_openapi.py.

The helpers here (`assert_error`, `v1_login`, ...) are shared with those modules.
"""
from __future__ import annotations

import re
import time
from datetime import datetime

import pyotp
import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth import totp
from clinicapp.auth.models import User
from clinicapp.extensions import db

from ..conftest import PASSWORD, bearer, csrf_token

ERROR_KEYS = {"detail", "error", "details"}
USER_FIELDS_000 = {"id", "email", "full_name", "phone", "role", "is_active", "created_at"}
TOKEN_NAMES = {"access", "refresh", "access_token", "refresh_token", "token_type"}
ME_PATHS = ("/api/auth/me", "/api/v1/auth/me", "/api/v1/users/me")
REGISTER_PATHS = ("/api/auth/register", "/api/v1/auth/register")
LOGIN_PATHS = ("/api/auth/login", "/api/v1/auth/login")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


# --- helpers -----------------------------------------------------------------

def assert_error(response, status: int, error: str | None = None) -> dict:
    """The response is `status` with exactly {detail, error, details}; returns the body."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], dict)
    if error is not None:
        assert body["error"] == error, body
    return body


def v1_login(client, username: str, password: str = PASSWORD, **extra):
    """POST /api/v1/auth/login with JSON {username, password, ...}; the raw response."""
    return client.post("/api/v1/auth/login",
                       json={"username": username, "password": password, **extra})


def tokens_of(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def me(client, token: str, path: str = "/api/v1/auth/me"):
    return client.get(path, headers=bearer(token))


def register(client, path: str = "/api/auth/register", **fields):
    payload = {"email": "new.patient@example.ru", "password": "long-enough-1",
               "full_name": "Иванов Иван Иванович", "phone": "+79991234567", **fields}
    return client.post(path, json=payload)


def wrong_code(secret: str) -> str:
    """A six-digit code that matches none of the steps the server accepts now."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + shift * totp.interval) for shift in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555")
                if code not in near)


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- document 000: /api/auth ------------------------------------------------

def test_register_000_returns_tokens_and_the_patient(client):
    response = register(client)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["access_token"] and body["refresh_token"]
    assert body["token_type"] == "bearer"
    user = body["user"]
    assert USER_FIELDS_000 <= set(user)
    assert user["email"] == "new.patient@example.ru"
    assert user["full_name"] == "Иванов Иван Иванович"
    assert user["phone"] == "+79991234567"
    assert user["role"] == "patient"
    assert user["is_active"] is True
    assert datetime.fromisoformat(user["created_at"]).tzinfo is not None
    stored = db.session.get(User, user["id"])
    assert stored.email == "new.patient@example.ru" and stored.role == "patient"
    assert me(client, body["access_token"], "/api/auth/me").get_json()["id"] == user["id"]


@pytest.mark.parametrize("path", REGISTER_PATHS)
def test_register_with_a_taken_email_is_409(client, make_user, path):
    make_user("patient", email="taken@example.ru")
    body = assert_error(register(client, path, email="Taken@Example.RU"), 409, "conflict")
    assert "email" in body["details"]


@pytest.mark.parametrize("path", REGISTER_PATHS)
@pytest.mark.parametrize(("fields", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"password": "7-chars"}, "password"),
    ({"phone": "12345"}, "phone"),
    ({"email": None}, "email"),
])
def test_register_with_bad_data_is_400_naming_the_field(client, path, fields, field):
    body = assert_error(register(client, path, **fields), 400)
    assert field in body["details"], body
    assert db.session.scalar(db.select(db.func.count()).select_from(User)
                             .where(User.email == "new.patient@example.ru")) == 0


@pytest.mark.parametrize("path", REGISTER_PATHS)
def test_register_accepts_an_eight_character_password_and_no_phone(client, path):
    response = client.post(path, json={"email": "short.pw@example.ru", "password": "8-chars!"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user"]["phone"] is None


@pytest.mark.parametrize("path", REGISTER_PATHS)
def test_register_normalizes_the_phone_to_e164(client, path):
    body = register(client, path, phone="8 916 123-45-67").get_json()
    assert body["user"]["phone"] == "+79161234567"
    assert db.session.get(User, body["user"]["id"]).phone == "+79161234567"


def test_email_is_case_insensitive(client):
    body = register(client, email="A@B.ru").get_json()
    assert body["user"]["email"] == "a@b.ru"
    for login in ("a@b.ru", "A@B.RU"):
        response = client.post("/api/auth/login", data={"username": login,
                                                        "password": "long-enough-1"})
        assert tokens_of(response)["user"]["id"] == body["user"]["id"]


def test_login_000_with_form_data(client, make_user):
    user = make_user("patient")
    response = client.post("/api/auth/login", data={"username": user.email, "password": PASSWORD})
    body = tokens_of(response)
    assert body["access_token"] and body["refresh_token"]
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == user.email
    assert USER_FIELDS_000 <= set(body["user"])


def test_login_000_also_takes_json(client, make_user):
    user = make_user("patient")
    response = client.post("/api/auth/login", json={"username": user.email, "password": PASSWORD})
    assert tokens_of(response)["user"]["id"] == user.id


@pytest.mark.parametrize("path", LOGIN_PATHS)
@pytest.mark.parametrize("known", [True, False], ids=["wrong-password", "unknown-user"])
def test_wrong_credentials_are_401_invalid_credentials(client, make_user, path, known):
    user = make_user("patient")
    login = user.email if known else "nobody@example.ru"
    response = client.post(path, data={"username": login, "password": "wrong-password"})
    body = assert_error(response, 401, "invalid_credentials")
    assert CYRILLIC.search(body["detail"])


def test_refresh_000_takes_the_token_from_the_query(client, make_user):
    pair = tokens_of(v1_login(client, make_user("patient").email))
    response = client.post("/api/auth/refresh",
                           query_string={"refresh_token": pair["refresh_token"]})
    new = tokens_of(response)
    assert new["token_type"] == "bearer"
    assert new["access_token"] != pair["access_token"]
    assert new["refresh_token"] != pair["refresh_token"]
    assert me(client, new["access_token"], "/api/auth/me").status_code == 200


def test_me_000(client, make_user):
    user = make_user("patient", phone="+79990001122")
    pair = tokens_of(v1_login(client, user.email))
    body = me(client, pair["access_token"], "/api/auth/me").get_json()
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert body["full_name"] == user.full_name
    assert body["role"] == "patient"
    assert body["phone"] == "+79990001122"


# --- document 001: /api/v1/auth with email ------------------------------------

def test_register_001_has_the_user_fields_at_the_top(client):
    response = register(client, "/api/v1/auth/register", phone="8 916 123-45-67")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "new.patient@example.ru"
    assert body["full_name"] == "Иванов Иван Иванович"
    assert body["phone"] == "+79161234567"
    assert body["id"] == body["user"]["id"]
    assert db.session.get(User, body["id"]).email == body["email"]


def test_login_001_with_email_returns_both_token_name_families(client, make_user):
    user = make_user("patient")
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    body = tokens_of(response)
    assert TOKEN_NAMES | {"user", "branches"} <= set(body)
    assert body["access"] == body["access_token"]
    assert body["refresh"] == body["refresh_token"]
    assert body["token_type"] == "bearer"
    assert body["user"]["id"] == user.id
    assert body["branches"] == []


def test_login_001_also_takes_form_data(client, make_user):
    user = make_user("patient")
    response = client.post("/api/v1/auth/login", data={"email": user.email, "password": PASSWORD})
    assert tokens_of(response)["user"]["id"] == user.id


def test_refresh_001_with_refresh_token_field(client, make_user):
    pair = tokens_of(v1_login(client, make_user("patient").email))
    new = tokens_of(client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh"]}))
    assert TOKEN_NAMES <= set(new)
    assert new["access"] == new["access_token"] != pair["access"]
    assert new["refresh"] == new["refresh_token"] != pair["refresh"]


def test_users_me_001(client, make_user):
    user = make_user("patient", phone="+79990001122")
    access = tokens_of(v1_login(client, user.email))["access"]
    body = me(client, access, "/api/v1/users/me").get_json()
    assert {k: body[k] for k in ("id", "email", "full_name", "phone")} == {
        "id": user.id, "email": user.email, "full_name": user.full_name, "phone": "+79990001122"}


# --- document 002: /api/v1/auth with username and TOTP ----------------------

def test_login_002_with_username_as_email(client, make_user):
    user = make_user("doctor")
    body = tokens_of(v1_login(client, user.email))
    assert body["access"] and body["refresh"]
    assert body["user"]["email"] == user.email


@pytest.mark.parametrize("login", ["reg1", "REG1"])
def test_login_002_with_a_username(client, make_user, login):
    user = make_user("receptionist", username="reg1")
    body = tokens_of(v1_login(client, login))
    assert body["user"]["id"] == user.id
    assert body["user"]["username"] == "reg1"


def test_staff_login_returns_their_branches(client, make_user, make_clinic):
    first, second = make_clinic("Филиал 1"), make_clinic("Филиал 2", "Asia/Almaty")
    make_clinic("Чужой филиал")
    user = make_user("receptionist", branches=[first, second])
    body = tokens_of(v1_login(client, user.email))
    assert [b["id"] for b in body["branches"]] == [first.id, second.id]
    assert body["branches"][1]["name"] == "Филиал 2"
    assert body["branches"][1]["timezone"] == "Asia/Almaty"
    assert [b["id"] for b in body["user"]["branches"]] == [first.id, second.id]


def test_refresh_002_with_refresh_field(client, make_user):
    pair = tokens_of(v1_login(client, make_user("doctor").email))
    new = tokens_of(client.post("/api/v1/auth/refresh", json={"refresh": pair["refresh"]}))
    assert new["access"] != pair["access"] and new["refresh"] != pair["refresh"]
    assert me(client, new["access"]).status_code == 200


def test_auth_me_002(client, make_user):
    user = make_user("doctor")
    body = me(client, tokens_of(v1_login(client, user.email))["access"]).get_json()
    assert body["id"] == user.id and body["email"] == user.email and body["role"] == "doctor"


# --- two-factor ----------------------------------------------------------------

@pytest.fixture
def totp_user(make_user):
    secret = pyotp.random_base32()
    return make_user("admin", totp_secret=secret), secret


def test_totp_login_without_a_code_is_401_totp_required(client, totp_user):
    user, _secret = totp_user
    body = assert_error(v1_login(client, user.email), 401, "totp_required")
    assert CYRILLIC.search(body["detail"])
    assert "totp_token" in body["details"]


def test_totp_login_with_a_wrong_code_is_401_totp_invalid(client, totp_user):
    user, secret = totp_user
    body = assert_error(v1_login(client, user.email, totp_token=wrong_code(secret)),
                        401, "totp_invalid")
    assert CYRILLIC.search(body["detail"])


def test_totp_login_with_the_right_code(client, totp_user):
    user, secret = totp_user
    body = tokens_of(v1_login(client, user.email, totp_token=pyotp.TOTP(secret).now()))
    assert body["user"]["id"] == user.id
    assert body["user"]["totp_enabled"] is True


def test_a_totp_code_is_accepted_only_once(client, totp_user):
    user, secret = totp_user
    code = pyotp.TOTP(secret).now()
    assert v1_login(client, user.email, totp_token=code).status_code == 200
    assert_error(v1_login(client, user.email, totp_token=code), 401, "totp_invalid")


def test_a_recovery_code_works_once(client, totp_user):
    user, _secret = totp_user
    codes = totp.issue_recovery_codes(user)  # what enrolment shows the person once
    db.session.commit()
    assert tokens_of(v1_login(client, user.email, totp_token=codes[0]))["user"]["id"] == user.id
    assert_error(v1_login(client, user.email, totp_token=codes[0]), 401, "totp_invalid")
    assert v1_login(client, user.email, totp_token=codes[1].upper()).status_code == 200


def test_recovery_codes_from_the_profile_page_sign_in_to_the_api(client, auth, totp_user):
    user, secret = totp_user
    assert auth.login(user.email, totp_secret=secret).status_code == 302
    page = client.get("/profile/")
    issued = client.post("/profile/2fa/recovery-codes", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "rc-password": PASSWORD})
    assert issued.status_code == 200
    codes = re.findall(r"\b[0-9a-f]{6}-[0-9a-f]{6}\b", issued.get_data(as_text=True))
    assert len(codes) == 10
    assert v1_login(client, user.email, totp_token=codes[0]).status_code == 200


# --- lockout -------------------------------------------------------------------

def assert_locked(client, user, secret: str | None = None):
    """Even the right credentials are refused with 403 account_locked, on both paths."""
    extra = {"totp_token": pyotp.TOTP(secret).now()} if secret else {}
    body = assert_error(v1_login(client, user.email, **extra), 403, "account_locked")
    assert CYRILLIC.search(body["detail"])
    assert body["details"]["retry_after_minutes"] > 0
    legacy = client.post("/api/auth/login", data={"username": user.email, "password": PASSWORD})
    assert_error(legacy, 403, "account_locked")
    assert reload(user).locked_until is not None
    entries = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "auth.locked", AuditEntry.target_id == str(user.id))).all()
    assert len(entries) == 1


def test_max_failures_lock_the_account(app, client, make_user):
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert limit == 5
    user = make_user("cashier")
    for _ in range(limit - 1):
        assert_error(v1_login(client, user.email, "wrong-password"), 401, "invalid_credentials")
    assert_error(v1_login(client, user.email, "wrong-password"), 403, "account_locked")
    assert_locked(client, user)


def test_missing_and_wrong_totp_codes_count_towards_lockout(app, client, totp_user):
    user, secret = totp_user
    assert_error(v1_login(client, user.email), 401, "totp_required")
    assert_error(v1_login(client, user.email, totp_token=""), 401, "totp_required")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 3):
        assert_error(v1_login(client, user.email, totp_token=wrong_code(secret)),
                     401, "totp_invalid")
    assert_error(v1_login(client, user.email, totp_token=wrong_code(secret)),
                 403, "account_locked")
    assert_locked(client, user, secret)


def test_a_successful_login_resets_the_failure_count(app, client, make_user):
    user = make_user("cashier")
    for _ in range(2):
        for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
            assert_error(v1_login(client, user.email, "wrong-password"), 401)
        assert v1_login(client, user.email).status_code == 200
    assert reload(user).locked_until is None


# --- bad bodies and the error shape ------------------------------------------

BAD_BODIES = {
    "no-body": {},
    "invalid-json": {"data": "{", "content_type": "application/json"},
    "text-plain": {"data": "username=x", "content_type": "text/plain"},
    "json-null": {"data": "null", "content_type": "application/json"},
    "json-list": {"json": ["x"]},
    "json-string": {"json": "x"},
}
BODY_ENDPOINTS = (*REGISTER_PATHS, *LOGIN_PATHS, "/api/v1/auth/refresh", "/api/auth/refresh")


def _body_cases():
    for path in BODY_ENDPOINTS:
        for name in BAD_BODIES:
            yield pytest.param(path, name, id=f"{path}-{name}")


@pytest.mark.parametrize(("path", "body"), list(_body_cases()))
def test_bad_bodies_are_400_never_500(client, path, body):
    assert_error(client.post(path, **BAD_BODIES[body]), 400)


def test_login_without_a_login_name_is_400_naming_username(client):
    body = assert_error(client.post("/api/v1/auth/login", json={"password": PASSWORD}), 400)
    assert "username" in body["details"]


@pytest.mark.parametrize("path", ME_PATHS)
@pytest.mark.parametrize("header", [None, "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer "])
def test_me_without_a_valid_token_is_401(client, path, header):
    headers = {"Authorization": header} if header else {}
    assert_error(client.get(path, headers=headers), 401, "not_authenticated")
