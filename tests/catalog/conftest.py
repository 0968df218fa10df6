"""Fixtures of the catalog tests: two clinics, doctors, a small category tree, callers."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from clinicapp.auth import tokens
from clinicapp.catalog import services
from clinicapp.extensions import db
from clinicapp.staff.models import Employee
from tests.conftest import bearer

# The browser fixtures of the e2e tests, for test_browser.py.
from tests.e2e.conftest import browser, phone_browser  # noqa: F401


@pytest.fixture
def clinics(make_clinic):
    """(A, B): two clinics of one organization."""
    return make_clinic("Клиника А"), make_clinic("Клиника Б")


@pytest.fixture
def make_doctor(clinics):
    counter = iter(range(1, 10_000))

    def factory(specialization: str = "терапевт", *, branches=None, is_doctor=True, **fields):
        n = next(counter)
        doctor = Employee(organization_id=clinics[0].organization_id, last_name=f"Врачев{n}",
                          first_name="Иван", position=f"Врач-{specialization}",
                          specializations=[specialization], is_doctor=is_doctor, **fields)
        doctor.branches = list(branches if branches is not None else clinics[:1])
        db.session.add(doctor)
        db.session.commit()
        return doctor

    return factory


@pytest.fixture
def catalog(clinics, make_doctor):
    """A small price list.

    Стоматология (0) → Терапия (0) → Эндодонтия (0); Стоматология → Хирургия (1);
    Кардиология (1). Services: caries (Терапия, clinic A, dentist), canal (Эндодонтия,
    clinics A and B, two dentists), extraction (Хирургия, inactive), ecg (Кардиология,
    clinic B), loose (no category).
    """
    a, b = clinics
    dentist = make_doctor("стоматолог-терапевт")
    dentist2 = make_doctor("стоматолог-терапевт", branches=[a, b])
    cardiologist = make_doctor("кардиолог", branches=[b])
    dental = services.create_category(None, name="Стоматология")
    therapy = services.create_category(None, name="Терапия", parent=dental.id)
    endo = services.create_category(None, name="Эндодонтия", parent=therapy.id)
    surgery = services.create_category(None, name="Хирургия", parent=dental.id)
    cardio = services.create_category(None, name="Кардиология")
    caries = services.create_service(
        None, code="A16.07.002.009", name="Лечение кариеса", price=Decimal("6500"),
        duration=60, description="Пломба из фотополимера", category=therapy.id,
        clinics=[a.id], doctors=[dentist.id])
    canal = services.create_service(
        None, code="A16.07.008.001", name="Пломбирование канала", price=Decimal("4500.50"),
        duration=45, category=endo.id, clinics=[a.id, b.id], doctors=[dentist.id, dentist2.id])
    extraction = services.create_service(
        None, code="A16.07.001.001", name="Удаление зуба", price=Decimal("4000"), duration=45,
        category=surgery.id, clinics=[a.id], is_active=False)
    ecg = services.create_service(
        None, code="A05.10.006", name="ЭКГ с расшифровкой", price=Decimal("1200"), duration=20,
        category=cardio.id, clinics=[b.id], doctors=[cardiologist.id])
    loose = services.create_service(
        None, code="X00.001", name="Справка для бассейна", price=Decimal("500"), duration=15)
    db.session.commit()
    return SimpleNamespace(
        clinics=clinics, dentist=dentist, dentist2=dentist2, cardiologist=cardiologist,
        dental=dental, therapy=therapy, endo=endo, surgery=surgery, cardio=cardio,
        caries=caries, canal=canal, extraction=extraction, ecg=ecg, loose=loose)


@pytest.fixture
def api_as(make_user):
    """api_as(role, branches=(...)) -> (user, headers with a real bearer token).

    The token is issued as the login endpoint issues it, without the password round
    trip (the auth tests cover that): argon2 is slow.
    """

    def login(role: str = "manager", branches=(), **fields):
        user = make_user(role, branches=branches, **fields)
        pair = tokens.issue_tokens(user)
        db.session.commit()
        return user, bearer(pair["access"])

    return login


@pytest.fixture
def in_english(client):
    """in_english(user): the user reads the interface in English from now on."""

    def switch(user):
        user.language = "en"
        db.session.commit()

    return switch
