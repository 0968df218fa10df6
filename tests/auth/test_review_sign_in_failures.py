"""Review fixes: a TOTP code signs in once even when two sign-ins race, and a
failed sign-in keeps its bookkeeping (failure count, lockout, revoked token
family) while everything else its request did is rolled back.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
import requests

from clinicapp.audit.models import AuditEntry
from clinicapp.auth import services, tokens
from clinicapp.auth.errors import LoginFailed, TokenInvalid
from clinicapp.auth.models import TokenFamily, User
from clinicapp.extensions import db

from ..conftest import ROOT
from .test_api_auth import tokens_of, v1_login
from .test_api_tokens import refresh

# --- TOTP: one code, one sign-in ---------------------------------------------------


def test_two_parallel_sign_ins_with_one_totp_code_let_exactly_one_in(live_server):
    email = f"race-{secrets.token_hex(4)}@clinic.test"
    password = "race-" + secrets.token_urlsafe(12)
    secret = pyotp.random_base32()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "create-user", "--email", email,
         "--password", password, "--role", "doctor", "--totp-secret", secret],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": live_server.database_url},
        check=True, capture_output=True)
    code = pyotp.TOTP(secret).now()
    start = threading.Barrier(2)

    def sign_in(_n: int) -> requests.Response:
        start.wait()
        return requests.post(live_server.url + "/api/v1/auth/login", timeout=20,
                             json={"username": email, "password": password, "totp_token": code})

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(sign_in, range(2)))
    assert sorted(r.status_code for r in responses) == [200, 401], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 401)
    assert refused.json()["error"] == "totp_invalid"


# --- failures keep their bookkeeping, and nothing else -------------------------------

HALF_DONE = "Половина работы"


def _fail_after_other_work(app, user: User, path: str, failing) -> dict:
    """Inside one request to `path`: change `user`'s name (work the request did),
    then call `failing`, which raises; the app's error handlers answer.
    Returns the JSON of that answer with its status."""
    with app.test_request_context(path, method="POST"):
        user.full_name = HALF_DONE
        db.session.flush()
        with pytest.raises((LoginFailed, TokenInvalid)) as caught:
            failing()
        response = app.make_response(app.handle_user_exception(caught.value))
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name != HALF_DONE, "the request's work was kept"
    return {**response.get_json(), "status": response.status_code}


def test_a_failed_sign_in_counts_but_undoes_the_rest_of_the_request(app, make_user):
    user = make_user("cashier")
    answer = _fail_after_other_work(app, user, "/api/v1/auth/login",
                                    lambda: services.check_password(user.email, "wrong-pass"))
    assert (answer["status"], answer["error"]) == (401, "invalid_credentials")
    assert db.session.get(User, user.id).failed_logins == 1


def test_the_failure_that_locks_answers_locked_and_the_lock_stays(app, make_user):
    user = make_user("cashier")
    user.failed_logins = app.config["LOGIN_MAX_FAILURES"] - 1
    db.session.commit()
    answer = _fail_after_other_work(app, user, "/api/v1/auth/login",
                                    lambda: services.check_password(user.email, "wrong-pass"))
    assert (answer["status"], answer["error"]) == (403, "account_locked")
    assert db.session.get(User, user.id).locked_until is not None
    assert db.session.scalar(db.select(AuditEntry.id).where(
        AuditEntry.action == "auth.locked", AuditEntry.target_id == str(user.id)))


def test_a_reused_refresh_token_revokes_the_family_but_undoes_the_rest(app, client, make_user):
    user = make_user("doctor")
    first = tokens_of(v1_login(client, user.email))
    tokens_of(refresh(client, first["refresh"]))
    answer = _fail_after_other_work(app, user, "/api/v1/auth/refresh",
                                    lambda: tokens.rotate(first["refresh"]))
    assert (answer["status"], answer["error"]) == (401, "token_reused")
    family = db.session.scalar(db.select(TokenFamily).where(TokenFamily.user_id == user.id))
    assert family.revoked_at is not None and family.revoke_reason == "reuse"
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "auth.refresh_reuse", AuditEntry.target_id == str(user.id))) == 1


def test_a_replayed_totp_code_is_refused_and_counted(client, make_user):
    secret = pyotp.random_base32()
    user = make_user("doctor", totp_secret=secret)
    code = pyotp.TOTP(secret).now()
    assert v1_login(client, user.email, totp_token=code).status_code == 200
    replay = v1_login(client, user.email, totp_token=code)
    assert replay.status_code == 401 and replay.get_json()["error"] == "totp_invalid"
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1
