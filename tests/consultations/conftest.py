from __future__ import annotations

import pytest

from clinicapp.consultations import oidc

from ..conftest import bearer


@pytest.fixture
def staff_token(make_user, api_login):
    """A receptionist's bearer header (consultations.view and .write)."""
    user = make_user("receptionist")
    return bearer(api_login(user.email)["access"])


@pytest.fixture
def patient_world(app, make_user, api_login):
    """A patient with a login: (patient, bearer header)."""
    from clinicapp.extensions import db
    from clinicapp.org.models import Organization
    from clinicapp.patients.models import Patient

    organization = db.session.scalar(db.select(Organization))
    if organization is None:
        organization = Organization(name="ООО Тест")
        db.session.add(organization)
        db.session.flush()
    user = make_user("patient", phone=None)
    patient = Patient(organization_id=organization.id, first_name="Пётр", last_name="Клиентов",
                      email="petr@patient.test", phone="+998901112233", user_id=user.id)
    db.session.add(patient)
    db.session.commit()
    return patient, bearer(api_login(user.email)["access"])


@pytest.fixture
def settings(app, monkeypatch):
    """settings(NAME=value, …): app settings for this test only."""

    def change(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    return change


@pytest.fixture(autouse=True)
def _no_cached_issuers():
    oidc.forget_cached_issuers()
    yield
    oidc.forget_cached_issuers()
