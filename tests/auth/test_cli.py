"""The command line: `create-user` (also pre-enrolled in 2FA) and `seed-demo`.

Commands run through Flask's CLI test runner inside the test's transaction;
the accounts they make are then used through HTTP (API and web login).
"""
from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import text

from clinicapp.auth.models import ROLES, User
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from clinicapp.seed import DEMO_ADMIN_TOTP_SECRET, DEMO_PASSWORD
from tests.auth.test_web_login import is_signed_in
from tests.conftest import PASSWORD, Auth

# --- helpers -------------------------------------------------------------------


def flask_cli(app, *args: str):
    """Run `flask <args>` against the test app; returns click's Result."""
    return app.test_cli_runner().invoke(args=list(args))


def create_user(app, email: str, role: str = "receptionist", *extra: str):
    return flask_cli(app, "create-user", "--email", email, "--password", PASSWORD,
                     "--role", role, *extra)


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def api_login_response(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/api/v1/auth/login",
                       json={"username": email, "password": password, **extra})


# --- create-user -------------------------------------------------------------------

def test_create_user_with_a_totp_secret_makes_an_enrolled_account(app, client, api_login):
    secret = pyotp.random_base32()
    result = create_user(app, "cli.admin@test.clinic", "admin", "--full-name", "Админ Консольный",
                         "--totp-secret", secret)
    assert result.exit_code == 0, result.output
    assert "Создан пользователь" in result.output and "cli.admin@test.clinic" in result.output
    user = find_user("cli.admin@test.clinic")
    assert user.role == "admin" and user.full_name == "Админ Консольный"
    assert user.totp_enabled and user.totp_secret == secret

    tokens = api_login("cli.admin@test.clinic", totp_token=pyotp.TOTP(secret).now())
    assert tokens["access"] and tokens["refresh"]
    assert tokens["user"]["email"] == "cli.admin@test.clinic"


def test_cli_enrolled_user_needs_the_totp_token_on_the_api(app, client):
    secret = pyotp.random_base32()
    assert create_user(app, "cli.2fa@test.clinic", "doctor", "--totp-secret", secret).exit_code == 0
    response = api_login_response(client, "cli.2fa@test.clinic")
    assert response.status_code == 401
    assert response.get_json()["error"] == "totp_required"


def test_cli_enrolled_admin_signs_in_on_the_web_without_enrolment(app, client):
    secret = pyotp.random_base32()
    assert create_user(app, "cli.web@test.clinic", "admin", "--totp-secret", secret).exit_code == 0
    response = Auth(client).login("cli.web@test.clinic", totp_secret=secret)
    assert response.status_code == 302 and response.location == "/"
    assert is_signed_in(client)


def test_totp_secret_is_encrypted_at_rest(app):
    secret = pyotp.random_base32()
    assert create_user(app, "cli.enc@test.clinic", "admin", "--totp-secret", secret).exit_code == 0
    stored = db.session.execute(text("SELECT totp_secret FROM users WHERE email = :email"),
                                {"email": "cli.enc@test.clinic"}).scalar_one()
    assert stored and secret not in stored


def test_create_user_without_totp_and_with_branches(app, client, api_login, make_clinic):
    clinic = make_clinic("Клиника на Невском")
    result = create_user(app, "CLI.Cashier@Test.Clinic", "cashier", "--branch", str(clinic.id))
    assert result.exit_code == 0, result.output
    user = find_user("cli.cashier@test.clinic")
    assert user.role == "cashier" and not user.totp_enabled
    assert [b.id for b in user.branches] == [clinic.id]
    assert api_login("cli.cashier@test.clinic")["branches"][0]["id"] == clinic.id


def test_create_user_accepts_every_role(app):
    for role in ROLES:
        assert create_user(app, f"cli.{role}@test.clinic", role).exit_code == 0
        assert find_user(f"cli.{role}@test.clinic").role == role


def test_bad_role_fails_with_a_message(app):
    result = create_user(app, "cli.bad@test.clinic", "superuser")
    assert result.exit_code != 0
    assert "--role" in result.output and "superuser" in result.output
    assert find_user("cli.bad@test.clinic") is None


def test_duplicate_email_fails_with_a_message(app, make_user):
    make_user("doctor", email="taken@test.clinic")
    result = create_user(app, "TAKEN@test.clinic", "doctor")
    assert result.exit_code != 0
    assert "Пользователь с таким e-mail уже существует" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)
                             .where(User.email == "taken@test.clinic")) == 1


def test_short_password_fails_with_a_message(app):
    result = flask_cli(app, "create-user", "--email", "cli.short@test.clinic",
                       "--password", "short", "--role", "doctor")
    assert result.exit_code != 0
    assert "не короче 8 символов" in result.output
    assert find_user("cli.short@test.clinic") is None


def test_bad_totp_secret_fails_with_a_message(app):
    result = create_user(app, "cli.otp@test.clinic", "admin", "--totp-secret", "not base32!")
    assert result.exit_code != 0
    assert "BASE32" in result.output
    assert find_user("cli.otp@test.clinic") is None


@pytest.mark.parametrize("missing", ["--email", "--password", "--role"])
def test_required_options(app, missing):
    args = {"--email": "cli.req@test.clinic", "--password": PASSWORD, "--role": "doctor"}
    del args[missing]
    result = flask_cli(app, "create-user", *[part for pair in args.items() for part in pair])
    assert result.exit_code != 0
    assert missing in result.output


# --- seed-demo ---------------------------------------------------------------------

def test_seed_demo_creates_the_organization_clinics_and_every_role(app):
    result = flask_cli(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert count(Organization) >= 1 and count(Clinic) >= 3
    assert set(db.session.scalars(db.select(User.role))) == set(ROLES)
    assert "admin@clinic.test" in result.output and DEMO_PASSWORD in result.output
    assert find_user("admin@clinic.test").totp_enabled


def test_seed_demo_twice_is_idempotent(app):
    assert flask_cli(app, "seed-demo").exit_code == 0
    first = (count(User), count(Organization), count(Clinic),
             sorted(db.session.scalars(db.select(User.id))))
    second_run = flask_cli(app, "seed-demo")
    assert second_run.exit_code == 0, second_run.output
    second = (count(User), count(Organization), count(Clinic),
              sorted(db.session.scalars(db.select(User.id))))
    assert second == first
    assert first[0] >= len(ROLES) and first[1] >= 1 and first[2] >= 3


def test_seeded_accounts_sign_in(app, client, api_login):
    assert flask_cli(app, "seed-demo").exit_code == 0
    manager = api_login("manager@clinic.test", DEMO_PASSWORD)
    assert manager["user"]["role"] == "manager" and len(manager["branches"]) == 3
    admin = api_login("admin@clinic.test", DEMO_PASSWORD,
                      totp_token=pyotp.TOTP(DEMO_ADMIN_TOTP_SECRET).now())
    assert admin["user"]["email"] == "admin@clinic.test"
