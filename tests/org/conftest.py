"""Fixtures of the org tests: an organization with two working branches and a closed one,
users of each role signed in through the real login (pages) or the API, image files."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pyotp
import pytest
from PIL import Image

from clinicapp.auth import tokens
from clinicapp.auth.models import User
from clinicapp.auth.passwords import hash_password
from clinicapp.core.uploads import upload_dir
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from tests.conftest import PASSWORD, Auth, bearer

REQUISITES = {
    "name": "ООО «Клиника Тест»", "inn": "7707083893", "kpp": "773601001",
    "ogrn": "1027700132195", "legal_address": "г. Москва, ул. Тестовая, д. 1",
    "bank_name": "ПАО Сбербанк", "bik": "044525225",
    "settlement_account": "40702810538000054321",
    "correspondent_account": "30101810400000000225",
    "phone": "+74951234567", "email": "info@clinic.test",
}


@pytest.fixture
def organization(app):
    organization = Organization(**REQUISITES)
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def branches(organization):
    """a and b work, off is deactivated."""
    a = Clinic(organization=organization, name="Клиника на Арбате", address="г. Москва, Арбат, 1",
               phone="+74950000001", rating=Decimal("4.7"), latitude=Decimal("55.752"),
               longitude=Decimal("37.592"), description="Терапия и стоматология",
               opening_hours={"mon": [["09:00", "21:00"]]})
    b = Clinic(organization=organization, name="Клиника в Алматы", address="г. Алматы, Абая, 10",
               timezone="Asia/Almaty", rating=Decimal("4.5"))
    off = Clinic(organization=organization, name="Закрытая клиника", is_active=False)
    db.session.add_all([a, b, off])
    db.session.commit()
    return SimpleNamespace(a=a, b=b, off=off)


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


@pytest.fixture
def quick_user(app, password_hash):
    """quick_user(role, branches=(), totp_secret=None) -> a User with the test PASSWORD.

    Like make_user, but the Argon2 hash is computed once per session: each hash
    takes ~0.4 s here and these tests make a user in almost every test.
    """
    counter = iter(range(1, 10_000))

    def factory(role: str, branches=(), totp_secret: str | None = None) -> User:
        n = next(counter)
        user = User(email=f"org-{role}{n}@test.clinic", full_name=f"Тестовый {role} {n}",
                    role=role, password_hash=password_hash, branches=list(branches))
        if totp_secret:
            user.totp_secret = totp_secret
            user.totp_enabled = True
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def api_token(quick_user):
    """api_token(role, branches=()) -> the access token of a new user of that role.

    Issued directly: the login endpoint has its own tests.
    """

    def token(role: str, branches=()):
        user = quick_user(role, branches)
        pair = tokens.issue_tokens(user)
        db.session.commit()
        return pair["access"]

    return token


@pytest.fixture
def api_headers(api_token):
    """api_headers(role, branches=()) -> Authorization headers of a new user."""
    return lambda role, branches=(): bearer(api_token(role, branches))


@pytest.fixture
def web_as(client, quick_user):
    """web_as(role, branches=()) -> a user of that role signed in through the login page."""

    def sign_in(role: str, branches=()):
        secret = pyotp.random_base32() if role == "admin" else None
        user = quick_user(role, branches, totp_secret=secret)
        response = Auth(client).login(user.email, totp_secret=secret)
        assert response.status_code == 302 and response.location == "/", response.location
        return user

    return sign_in


def png_bytes(size=(4, 3), color=(20, 120, 110)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def uploads_cleanup(app):
    """Delete the files a test stored under instance/uploads (org/ and clinics/)."""
    with app.app_context():
        root = upload_dir()
    before = {p for folder in ("org", "clinics") for p in (root / folder).glob("*")}
    yield root
    for folder in ("org", "clinics"):
        for path in (root / folder).glob("*"):
            if path not in before:
                path.unlink(missing_ok=True)
