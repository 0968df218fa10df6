"""Review fix: self-registration never takes over an existing patient record.

A phone number or an e-mail address typed at registration proves nothing, so
the new account always gets a new record of its own; a possible duplicate is
for staff to merge, and invite_to_cabinet remains the way to link a record.
"""
from __future__ import annotations

import pytest

from clinicapp.extensions import db
from clinicapp.patients.models import Patient

from ..conftest import PASSWORD


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/auth/register"])
@pytest.mark.parametrize("claimed", [{"phone": "8 916 123 45 67"}, {"email": "Card@Example.com"}],
                         ids=["same-phone", "same-email"])
def test_register_never_takes_over_an_existing_patient(client, make_patient, path, claimed):
    existing = make_patient(last_name="Карточкин", first_name="Уже", phone="+79161234567",
                            email="card@example.com", notes="диагноз")
    fields = {"email": "someone@example.com", "phone": None, **claimed}
    response = client.post(path, json={"password": PASSWORD, "full_name": "Захватов Чужой",
                                       **fields})
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["id"]
    db.session.expire_all()
    assert db.session.get(Patient, existing.id).user_id is None
    own = db.session.scalar(db.select(Patient).where(Patient.user_id == user_id))
    assert own.id != existing.id and own.last_name == "Захватов" and own.notes is None
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == 2
