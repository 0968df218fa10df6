"""Patient services and queries: the search, its index plan on 100 000 patients,
encryption at rest, the registration signal, the cabinet invitation, the demo seed.
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import User
from clinicapp.core.crypto import decrypt
from clinicapp.core.errors import Conflict, ValidationFailed
from clinicapp.core.phones import normalize_phone
from clinicapp.extensions import db
from clinicapp.patients import queries, services
from clinicapp.patients.models import Patient
from clinicapp.seed import patients as seed_patients

from ..conftest import PASSWORD
from .bulk import insert_patients


def names(patients) -> list[str]:
    return [p.full_name for p in patients]


# --- phones -------------------------------------------------------------------

@pytest.mark.parametrize("typed, e164", [
    ("8 (916) 123-45-67", "+79161234567"), ("+7 916 1234567", "+79161234567"),
    ("89161234567", "+79161234567"), ("+7 (727) 234-56-78", "+77272345678"),
    ("8 777 123 4567", "+77771234567"), ("998901234567", "+998901234567"),
    ("+998 33 123 45 67", "+998331234567"), ("(90) 123-45-67", "+998901234567"),
])
def test_normalize_phone_accepts_any_formatting(typed, e164):
    assert normalize_phone(typed) == e164


# --- search -------------------------------------------------------------------

@pytest.fixture
def people(make_patient):
    return {
        "ivanov": make_patient(last_name="Иванов", first_name="Пётр", middle_name="Сергеевич",
                               phone="+79161234567", birth_date=date(1990, 5, 15)),
        "ivanova": make_patient(last_name="Иванова", first_name="Мария", phone="+77011234567",
                                birth_date=date(1985, 1, 2)),
        "karimov": make_patient(last_name="Каримов", first_name="Азиз", phone="+998901234567",
                                birth_date=date(1990, 5, 15)),
    }


@pytest.mark.parametrize("query, expected", [
    ("иванов", ["Иванов Пётр Сергеевич", "Иванова Мария"]),
    ("ИВАН", ["Иванов Пётр Сергеевич", "Иванова Мария"]),
    ("пётр иванов", ["Иванов Пётр Сергеевич"]),
    ("серг ива", ["Иванов Пётр Сергеевич"]),
    ("мари", ["Иванова Мария"]),
    ("рим", ["Каримов Азиз"]),
    ("916 123", ["Иванов Пётр Сергеевич"]),
    ("8 916 123", ["Иванов Пётр Сергеевич"]),
    ("+7 (916) 123-45-67", ["Иванов Пётр Сергеевич"]),
    ("1234567", ["Иванов Пётр Сергеевич", "Иванова Мария", "Каримов Азиз"]),
    ("99890", ["Каримов Азиз"]),
    ("15.05.1990", ["Иванов Пётр Сергеевич", "Каримов Азиз"]),
    ("1990-05-15 азиз", ["Каримов Азиз"]),
    ("02.01.1985", ["Иванова Мария"]),
    # One or two letters: the start of any word of the name, not its inside.
    ("и", ["Иванов Пётр Сергеевич", "Иванова Мария"]),
    ("а", ["Каримов Азиз"]),
    ("Се", ["Иванов Пётр Сергеевич"]),
    ("ер", []),
    ("и. а", []), ("и+", []),
    ("сидоров", []),
    ("%", []), ("_", []), ("'", []),
])
def test_search_by_name_phone_and_birth_date(people, organization, query, expected):
    assert names(queries.search_patients(query, organization, 20)) == expected


def test_search_treats_percent_and_underscore_as_text(make_patient, organization):
    make_patient(last_name="Сто%процентов", first_name="Нижнее_подчёркивание")
    make_patient(last_name="Обычный", first_name="Пациент")
    assert names(queries.search_patients("о%п", organization)) == [
        "Сто%процентов Нижнее_подчёркивание"]
    assert len(queries.search_patients("е_п", organization)) == 1
    assert queries.search_patients("%", organization) == []
    assert queries.search_patients("_", organization) == []
    assert queries.search_patients("%%%", organization) == []
    assert queries.search_patients("___", organization) == []
    assert queries.search_patients("o'brien", organization) == []
    # One or two characters are matched by a regular expression: its syntax is text too.
    assert queries.search_patients("с.", organization) == []
    assert queries.search_patients("н(", organization) == []
    assert queries.search_patients("с\\", organization) == []
    assert names(queries.search_patients("н", organization)) == [
        "Сто%процентов Нижнее_подчёркивание"]


def test_search_respects_the_limit_and_the_organization(make_patient, organization,
                                                        other_organization):
    for n in range(5):
        make_patient(last_name=f"Смирнов{n}", first_name="Олег")
    db.session.add(Patient(organization_id=other_organization.id, last_name="Смирнов",
                           first_name="Чужой"))
    assert len(queries.search_patients("смирнов", organization, 3)) == 3
    assert len(queries.search_patients("смирнов", organization, 50)) == 5


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _explain(statement, *, analyze: bool = False) -> list[dict]:
    """The plan nodes of `statement`, with its parameters bound as the app binds them."""
    compiled = statement.compile(dialect=db.engine.dialect)
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    raw = db.session.connection().exec_driver_sql(
        f"EXPLAIN ({options}) {compiled}", compiled.params).scalar_one()
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    return list(_plan_nodes(plan))


def _patients_read(nodes: list[dict]) -> float:
    """How many rows of `patients` the executed plan looked at (kept or thrown away)."""
    return sum((node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)) * node["Actual Loops"]
               for node in nodes if node.get("Relation Name") == "patients")


# Terms of two or more characters that match few patients: without the trigram
# index each would read all 100 000 rows.
INDEXED_QUERIES = (
    ("семёнова", "ix_patients_search_name_trgm"),
    ("семён анна", "ix_patients_search_name_trgm"),
    ("юр", "ix_patients_search_name_trgm"),
    ("анна ю", "ix_patients_search_name_trgm"),
    ("916 555", "ix_patients_phone_trgm"),
    ("8 916 555", "ix_patients_phone_trgm"),
)
# The first keystroke: letters none of the 100 000 names start with and letters
# a fifth of them do, and a digit that is in almost every phone.
ONE_CHARACTER_QUERIES = ("ю", "я", "и", "а", "9")
# A one-character search may read this many rows at most, a tenth of the table:
# a rare letter goes through the index, a common one stops at the count's cap.
ONE_CHARACTER_READ_LIMIT = 10_000
COUNT_CAP = 1000  # the patients page's (patients.views.COUNT_LIMIT)


def _search_statements(organization_id: int, query: str):
    """The two statements a search runs: the capped count, then the first page."""
    total = queries.count_patients(organization_id, query, cap=COUNT_CAP)
    return (queries.count_statement(organization_id, query, cap=COUNT_CAP),
            queries.page_statement(organization_id, query, total).limit(25))


def test_search_on_100_000_patients_is_served_by_the_trigram_indexes(organization):
    """Search-as-you-type stays within its budget on a large registry.

    Its speed is measured by `make bench`; here the plans say why it holds, on
    PostgreSQL 15 and the embedded 18 alike: selective terms of two or more
    characters go through the trigram indexes, and a single character reads a
    bounded part of the table whatever the letter.
    """
    # Fresh rows wait in the GIN indexes' pending lists until a vacuum (none runs
    # inside this transaction), and every index scan reads those lists: the
    # planner's worst case between two autovacuums.
    insert_patients(db.session, organization.id)
    db.session.execute(text("ANALYZE patients"))
    assert db.session.scalar(text("SELECT count(*) FROM patients")) == 100_000
    for query, index in INDEXED_QUERIES:
        for statement in _search_statements(organization.id, query):
            nodes = _explain(statement)
            types = [node["Node Type"] for node in nodes]
            assert "Seq Scan" not in types, (query, types)
            assert any(node["Node Type"] == "Bitmap Index Scan"
                       and node.get("Index Name") == index for node in nodes), (query, nodes)
    for query in ONE_CHARACTER_QUERIES:
        for statement in _search_statements(organization.id, query):
            nodes = _explain(statement, analyze=True)
            assert _patients_read(nodes) <= ONE_CHARACTER_READ_LIMIT, (
                query, [(node["Node Type"], _patients_read([node])) for node in nodes])


# --- encryption at rest -------------------------------------------------------

def test_document_number_and_notes_are_encrypted_at_rest(organization, make_user):
    actor = make_user("receptionist")
    patient = services.create_patient(actor, organization, {
        "last_name": "Шифров", "first_name": "Тайный", "document_number": "4510 123456",
        "notes": "ВИЧ-статус: конфиденциально"})
    db.session.flush()
    raw_number, raw_notes = db.session.execute(text(
        "SELECT document_number, notes FROM patients WHERE id = :id"), {"id": patient.id}).one()
    assert "4510" not in raw_number and "123456" not in raw_number
    assert "конфиденциально" not in raw_notes
    assert decrypt(raw_number) == "4510 123456"
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).document_number == "4510 123456"


# --- create / update via services --------------------------------------------

def test_create_conflict_carries_the_existing_id(organization, make_user, make_patient):
    existing = make_patient(phone="+998901234567")
    actor = make_user("receptionist")
    with pytest.raises(Conflict) as caught:
        services.create_patient(actor, organization, {"last_name": "А", "first_name": "Б",
                                                      "phone": "998 90 123 45 67"})
    assert caught.value.details == {"existing_id": existing.id}
    forced = services.create_patient(actor, organization, {
        "last_name": "А", "first_name": "Б", "phone": "998 90 123 45 67"}, force=True)
    assert forced.id != existing.id


def test_validation_collects_every_field(organization, make_user):
    with pytest.raises(ValidationFailed) as caught:
        services.create_patient(make_user("receptionist"), organization, {
            "last_name": "", "first_name": "", "sex": "Z", "email": "x@",
            "birth_date": date(1800, 1, 1)})
    assert set(caught.value.details) == {"last_name", "first_name", "sex", "email", "birth_date"}


def test_update_audits_changed_field_names_only(make_patient, make_user):
    patient = make_patient(first_name="Иван")
    actor = make_user("receptionist")
    assert services.update_patient(actor, patient, {"first_name": "Иван", "notes": "тайна"}) == [
        "notes"]
    assert services.update_patient(actor, patient, {"first_name": "Иван"}) == []
    entries = list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "patient.updated")))
    assert [e.changes for e in entries] == [{"fields": ["notes"]}]


# --- registration signal ------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/auth/register"])
def test_register_creates_a_linked_patient(client, organization, path):
    response = client.post(path, json={"email": "new.patient@example.com", "password": PASSWORD,
                                       "full_name": "Нурланова Асель Серикқызы",
                                       "phone": "+7 701 765 43 21"})
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["id"]
    patient = db.session.scalar(db.select(Patient).where(Patient.user_id == user_id))
    assert patient is not None
    assert (patient.last_name, patient.first_name, patient.middle_name) == (
        "Нурланова", "Асель", "Серикқызы")
    assert patient.phone == "+77017654321" and patient.email == "new.patient@example.com"
    assert patient.organization_id == organization.id


def test_register_with_a_single_word_name(client, organization):
    response = client.post("/api/v1/auth/register", json={
        "email": "mono@example.com", "password": PASSWORD, "full_name": "Мононим"})
    patient = db.session.scalar(db.select(Patient).where(
        Patient.user_id == response.get_json()["id"]))
    assert (patient.last_name, patient.first_name, patient.middle_name) == ("Мононим", "", None)


def test_split_full_name():
    assert services.split_full_name("  Иванов   Иван Иванович ") == ("Иванов", "Иван", "Иванович")
    assert services.split_full_name("Угли Бобур Рустам угли") == ("Угли", "Бобур", "Рустам угли")
    assert services.split_full_name("") == ("", "", None)


# --- invitation ---------------------------------------------------------------

def test_invite_creates_a_patient_user_that_can_sign_in(client, make_patient, make_user,
                                                       api_login):
    patient = make_patient(last_name="Приглашённый", first_name="Гость", phone="+79161234567")
    user, password = services.invite_to_cabinet(make_user("receptionist"), patient,
                                                "Guest@Example.com")
    db.session.commit()
    assert user.role == "patient" and user.email == "guest@example.com"
    assert patient.user_id == user.id and patient.email == "guest@example.com"
    assert len(password) >= 12
    assert api_login("guest@example.com", password)["user"]["role"] == "patient"
    with pytest.raises(Conflict):
        services.invite_to_cabinet(make_user("receptionist"), patient, "again@example.com")


def test_invite_needs_an_email(make_patient, make_user):
    patient = make_patient()
    with pytest.raises(ValidationFailed) as caught:
        services.invite_to_cabinet(make_user("receptionist"), patient, None)
    assert caught.value.details == {"email": ["Укажите e-mail пациента"]}


def test_invite_with_a_taken_email_is_a_conflict(make_patient, make_user):
    taken = make_user("cashier")
    with pytest.raises(Conflict):
        services.invite_to_cabinet(make_user("receptionist"), make_patient(), taken.email)


# --- demo data ----------------------------------------------------------------

def test_seed_is_deterministic_idempotent_and_links_the_demo_patient(branches, make_user,
                                                                    organization):
    demo = make_user("patient", email="patient@clinic.test", full_name="Пациентов Пётр Петрович",
                     phone="+79161234567")
    seed_patients.seed(list(branches))
    db.session.commit()
    count = db.session.scalar(db.select(db.func.count(Patient.id)))
    assert count == 201
    linked = db.session.scalar(db.select(Patient).where(Patient.user_id == demo.id))
    assert linked.full_name == "Пациентов Пётр Петрович"
    seed_patients.seed(list(branches))
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == count
    phones = list(db.session.scalars(db.select(Patient.phone)))
    assert any(p.startswith("+79") for p in phones)
    assert any(p.startswith(("+770", "+777")) for p in phones)
    assert any(p.startswith("+9989") for p in phones)
    assert all(normalize_phone(p) == p for p in phones)
    assert seed_patients.demo_people([1]) == seed_patients.demo_people([1])
    assert db.session.scalar(db.select(db.func.count(Patient.id)).where(
        Patient.email.is_not(None), Patient.consent_at.is_not(None))) > 20
    assert db.session.scalar(db.select(User.id).where(User.email == "patient@clinic.test"))
