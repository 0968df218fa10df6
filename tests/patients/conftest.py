"""Fixtures of the patients tests: an organization with two branches, staff, patients."""
from __future__ import annotations

import pyotp
import pytest

from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from clinicapp.patients.models import Patient

from ..conftest import Auth, bearer


@pytest.fixture
def branches(make_clinic):
    """Two branches of the one organization: (A, B)."""
    return make_clinic("Филиал на Тверской"), make_clinic("Филиал в Алматы", "Asia/Almaty")


@pytest.fixture
def organization(branches) -> Organization:
    return db.session.get(Organization, branches[0].organization_id)


@pytest.fixture
def other_organization(app) -> Organization:
    """A second legal entity with a branch of its own."""
    other = Organization(name="ООО «Другая клиника»")
    db.session.add(other)
    db.session.add(Clinic(organization=other, name="Чужой филиал"))
    db.session.commit()
    return other


@pytest.fixture
def make_patient(organization):
    """make_patient(**fields) -> Patient in the test organization (no audit, no checks)."""
    counter = iter(range(1, 100_000))

    def factory(**fields):
        n = next(counter)
        values = {"last_name": f"Тестов{n}", "first_name": "Пациент", "extra_phones": []}
        values.update(fields)
        patient = Patient(organization_id=organization.id, **values)
        db.session.add(patient)
        db.session.commit()
        return patient

    return factory


@pytest.fixture
def token_for(make_user, api_login, branches):
    """token_for(role, branches=(A,)) -> Authorization headers of a new user of `role`."""

    def factory(role: str, user_branches=None):
        secret = pyotp.random_base32() if role == "admin" else None
        user = make_user(role, branches=branches[:1] if user_branches is None else user_branches,
                         totp_secret=secret)
        extra = {"totp_token": pyotp.TOTP(secret).now()} if secret else {}
        return bearer(api_login(user.email, **extra)["access"])

    return factory


@pytest.fixture
def signed_in(client, make_user, branches):
    """signed_in(role) -> the user, signed in through the login page (TOTP for admins)."""

    def factory(role: str = "receptionist"):
        secret = pyotp.random_base32() if role == "admin" else None
        user = make_user(role, branches=branches[:1], totp_secret=secret)
        response = Auth(client).login(user.email, totp_secret=secret)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return factory
