"""Review fixes of the org feature: huge numbers in the branch form, names unique in the
database (a concurrent request that passed the Python check meets the unique index)."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from clinicapp.core.errors import Conflict
from clinicapp.extensions import db
from clinicapp.org import services
from clinicapp.org.models import Clinic, Organization

from .test_pages import NEW_BRANCH, branch_form, branch_url, errors_of, post_form


@pytest.mark.parametrize("field, value, message", [
    ("latitude", "1e30", "От −90 до 90"), ("latitude", "-1E30", "От −90 до 90"),
    ("longitude", "1e30", "От −180 до 180"), ("rating", "1e30", "Рейтинг от 0 до 5"),
    ("rating", "9e99", "Рейтинг от 0 до 5"),
    ("latitude", "1e-30", "Не больше 6 знаков после запятой"),
])
def test_huge_numbers_are_a_russian_400_naming_the_field(client, branches, web_as, field, value,
                                                         message):
    web_as("admin")
    response = post_form(client, NEW_BRANCH, branch_form(**{field: value}))
    assert response.status_code == 400
    assert errors_of(response.get_data(as_text=True)) == [message]
    assert db.session.scalar(db.select(db.func.count()).select_from(Clinic)) == 3


@pytest.fixture
def check_skipped(monkeypatch):
    """As if a concurrent request had passed the Python check at the same moment."""
    monkeypatch.setattr(services, "name_taken", lambda *args, **kwargs: False)


def test_a_duplicate_name_that_slips_past_the_check_meets_the_index(client, branches, web_as,
                                                                    check_skipped):
    web_as("admin")
    response = post_form(client, NEW_BRANCH, branch_form(name="КЛИНИКА на арбате"))
    assert response.status_code == 400
    assert errors_of(response.get_data(as_text=True)) == ["Филиал с таким названием уже есть"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Clinic)) == 3
    # The same on a rename.
    response = post_form(client, branch_url(branches.b), branch_form(name="Клиника на Арбате"))
    assert response.status_code == 400
    assert errors_of(response.get_data(as_text=True)) == ["Филиал с таким названием уже есть"]
    db.session.expire_all()
    assert db.session.get(Clinic, branches.b.id).name == "Клиника в Алматы"


def test_the_service_raises_a_conflict_and_the_session_stays_usable(branches, quick_user,
                                                                     check_skipped):
    admin = quick_user("admin")
    with pytest.raises(Conflict) as raised:
        services.create_clinic(admin, branches.a.organization, {"name": "клиника на арбате"})
    assert raised.value.status_code == 409
    assert raised.value.details == {"name": ["Филиал с таким названием уже есть"]}
    # The savepoint kept the transaction alive: the next write works.
    clinic = services.create_clinic(admin, branches.a.organization, {"name": "Клиника на Мира"})
    assert clinic.id is not None


def test_the_index_allows_the_same_name_in_another_organization(branches):
    other = Organization(name="ООО «Другая»")
    db.session.add(Clinic(organization=other, name="Клиника на Арбате"))
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Clinic(organization=other, name="КЛИНИКА НА АРБАТЕ"))
        db.session.flush()
