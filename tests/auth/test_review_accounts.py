"""Review fixes for accounts: one login name is one account, and an
administrator's password reset ends the person's sessions and app tokens.
"""
from __future__ import annotations

import time

import pyotp
import pytest

from clinicapp.auth.models import User
from clinicapp.auth.passwords import hash_password
from clinicapp.extensions import db

from ..conftest import PASSWORD, Auth
from .test_api_auth import REGISTER_PATHS, assert_error, me, register, tokens_of, v1_login
from .test_cli import create_user, find_user
from .test_permissions import edit_fields, sign_in_as, submit_user_form
from .test_web_login import is_signed_in

# --- an e-mail and a username never name two accounts -----------------------------


@pytest.mark.parametrize("path", REGISTER_PATHS)
def test_registering_an_email_that_is_someones_username_is_409(client, path):
    # An account from before the rule: its username is an address it does not own.
    db.session.add(User(email="owner@example.ru", username="shared@example.ru",
                        password_hash=hash_password(PASSWORD), role="doctor"))
    db.session.commit()
    body = assert_error(register(client, path, email="Shared@Example.ru"), 409, "conflict")
    assert "email" in body["details"]
    assert find_user("shared@example.ru") is None
    assert tokens_of(v1_login(client, "shared@example.ru"))["user"]["email"] == "owner@example.ru"


def test_a_username_may_not_be_another_address(app, client):
    result = create_user(app, "own@test.clinic", "doctor", "--username", "Other@Test.Clinic")
    assert result.exit_code != 0
    assert "совпадает с e-mail" in result.output
    assert find_user("own@test.clinic") is None
    # Otherwise this registration would have given `other@test.clinic` two accounts.
    assert register(client, email="other@test.clinic").status_code == 201


def test_a_username_may_be_the_accounts_own_email(app, client):
    result = create_user(app, "self@test.clinic", "doctor", "--username", "SELF@test.clinic")
    assert result.exit_code == 0, result.output
    assert find_user("self@test.clinic").username == "self@test.clinic"
    assert v1_login(client, "self@test.clinic").status_code == 200


def test_a_username_that_is_someones_email_is_taken(app, make_user):
    make_user("doctor", email="taken@test.clinic")
    result = create_user(app, "new@test.clinic", "doctor", "--username", "taken@test.clinic")
    assert result.exit_code != 0 and "логин уже занят" in result.output
    assert find_user("new@test.clinic") is None


def test_a_plain_username_still_works(app, client):
    result = create_user(app, "plain@test.clinic", "doctor", "--username", "Plain.Login")
    assert result.exit_code == 0, result.output
    assert tokens_of(v1_login(client, "plain.login"))["user"]["email"] == "plain@test.clinic"


# --- an administrator's password reset signs the person out everywhere ------------

def test_admin_password_reset_ends_the_users_sessions_and_tokens(app, client, make_user):
    target = make_user("doctor")
    pair = tokens_of(v1_login(client, target.email))
    browser = app.test_client()
    assert Auth(browser).login(target.email).status_code == 302 and is_signed_in(browser)

    sign_in_as(client, make_user, "admin")
    response = submit_user_form(client, f"/admin/users/{target.id}",
                                **edit_fields(target, password="brand-new-pass-1"))
    assert response.status_code == 302, response.get_data(as_text=True)

    assert_error(me(client, pair["access"]), 401, "not_authenticated")
    assert_error(client.post("/api/v1/auth/refresh", json={"refresh": pair["refresh"]}), 401)
    assert not is_signed_in(browser)
    assert is_signed_in(client), "the administrator stays signed in"
    assert v1_login(client, target.email).status_code == 401
    fresh = tokens_of(v1_login(client, target.email, "brand-new-pass-1"))
    assert me(client, fresh["access"]).get_json()["id"] == target.id


def test_admin_resetting_their_own_password_keeps_this_browser_only(client, make_user):
    admin = sign_in_as(client, make_user, "admin")
    elsewhere = tokens_of(v1_login(client, admin.email,
                                   totp_token=pyotp.TOTP(admin.totp_secret).at(time.time() + 30)))
    response = submit_user_form(client, f"/admin/users/{admin.id}",
                                **edit_fields(admin, password="brand-new-pass-2"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert is_signed_in(client)
    assert_error(me(client, elsewhere["access"]), 401, "not_authenticated")
