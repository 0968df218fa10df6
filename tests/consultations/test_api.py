"""Document 004's endpoints through HTTP: codes, fields, defaults, errors, who reads what."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from clinicapp.consultations.models import Client, Question, QuestionCategory, Ticket
from clinicapp.extensions import db

from ..conftest import bearer

CREATE = {
    "client": {"email": "User@Example.com", "phone_number": "+998901234567",
               "org_inn": "123456789", "country": "UZ", "city": "Tashkent"},
    "consultation": {"comment": "Нужна консультация по НДС", "lang": "ru", "topic": "Бухгалтерия",
                     "importance": 2, "scheduled_at": "2025-12-01T10:00:00Z"},
    "source": "SITE",
}


def _create(client, headers, body=CREATE):
    return client.post("/api/consultations/create", json=body, headers=headers)


def test_create_answers_200_with_a_stable_cons_id_and_nulls_until_1c(client, staff_token):
    response = _create(client, staff_token)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Consultation created successfully"
    ticket = body["consultation"]
    assert uuid.UUID(ticket["cons_id"])
    assert ticket["client_id"] == body["client_id"]
    assert ticket["status"] == "new" and ticket["lang"] == "ru" and ticket["source"] == "SITE"
    assert ticket["number"] is None and ticket["cl_ref_key"] is None
    assert ticket["chatwoot_conversation_id"] is None
    assert ticket["start_date"].startswith("2025-12-01T10:00:00")
    assert ticket["comment"] == "Нужна консультация по НДС" and ticket["importance"] == 2
    for field in ("create_date", "created_at", "updated_at", "end_date", "org_inn"):
        assert field in ticket
    assert ticket["org_inn"] == "123456789"  # the client's when the consultation has none


def test_repeated_requests_reuse_the_client(client, staff_token):
    first = _create(client, staff_token).get_json()
    second = _create(client, staff_token).get_json()
    assert first["client_id"] == second["client_id"]
    assert first["consultation"]["cons_id"] != second["consultation"]["cons_id"]
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1
    stored = db.session.scalar(select(Client))
    assert stored.email == "user@example.com" and stored.phone_number == "+998901234567"


def test_defaults_and_refusals(client, staff_token):
    body = {"client": {"email": "a@b.uz"}, "consultation": {"comment": "Вопрос"}}
    ticket = _create(client, staff_token, body).get_json()["consultation"]
    assert ticket["lang"] == "ru" and ticket["source"] == "STAFF"  # staff's default source
    for bad, field in ((dict(body, consultation={"comment": "x", "lang": "en"}), "lang"),
                       (dict(body, source="FAX"), "source"),
                       (dict(body, consultation={"lang": "ru"}), "comment"),
                       (dict(body, consultation={"comment": ""}), "comment")):
        response = _create(client, staff_token, bad)
        assert response.status_code == 400, bad
        assert field in str(response.get_json()["details"]), response.get_json()


def test_client_data_or_client_id_is_required(client, staff_token):
    nameless = {"client": {"country": "UZ", "city": "Tashkent"},
                "consultation": {"comment": "x"}}
    for path, body in (("/api/consultations/create", {"consultation": {"comment": "x"}}),
                       ("/api/consultations/create", nameless),
                       ("/api/consultations/simple", {"comment": "x"}),
                       ("/api/clients", {}), ("/api/clients", {"org_id": "org-1"})):
        response = client.post(path, json=body, headers=staff_token)
        assert response.status_code == 400, (path, body)
        assert response.get_json()["detail"] == "Client data or client_id is required"
    # No body at all is the same request as an empty one, and nothing is written.
    assert client.post("/api/clients", headers=staff_token).status_code == 400
    from clinicapp.consultations.models import Client
    from clinicapp.extensions import db
    assert db.session.scalar(db.select(db.func.count()).select_from(Client)) == 0


def test_simple_on_an_existing_client_and_unknown_client(client, staff_token):
    client_id = _create(client, staff_token).get_json()["client_id"]
    response = client.post("/api/consultations/simple", headers=staff_token, json={
        "client_id": client_id, "comment": "Ещё вопрос", "lang": "uz", "source": "SITE"})
    assert response.status_code == 200
    assert response.get_json()["consultation"]["lang"] == "uz"
    assert response.get_json()["client_id"] == client_id
    missing = client.post("/api/consultations/simple", headers=staff_token, json={
        "client_id": str(uuid.uuid4()), "comment": "x"})
    assert missing.status_code == 404 and missing.get_json()["detail"] == "Client not found"


def test_clients_upsert_get_and_by_hash(client, staff_token):
    created = client.post("/api/clients", headers=staff_token, json={
        "email": "crm@firm.uz", "phone_number": "+998901234568", "org_inn": "111",
        "tariff_id": "PRO", "subs_start": "2025-01-01T00:00:00Z"})
    assert created.status_code == 200
    data = created.get_json()
    assert data["tariff_id"] == "PRO" and data["subs_start"].startswith("2025-01-01T00:00:00")
    client_id = data["client_id"]
    # by email+phone+inn: the same client, updated
    again = client.post("/api/clients", headers=staff_token, json={
        "email": "crm@firm.uz", "phone_number": "+998901234568", "org_inn": "111",
        "tariff_id": "BASIC", "client_id_hash": "h-1"})
    assert again.status_code == 200 and again.get_json()["client_id"] == client_id
    # by hash alone
    by_hash = client.post("/api/clients", headers=staff_token, json={"client_id_hash": "h-1",
                                                                    "city": "Samarkand"})
    assert by_hash.get_json()["client_id"] == client_id
    # by client_id
    by_id = client.post("/api/clients", headers=staff_token, json={"client_id": client_id,
                                                                  "region": "R"})
    assert by_id.get_json()["client_id"] == client_id
    got = client.get(f"/api/clients/{client_id}", headers=staff_token).get_json()
    assert (got["tariff_id"], got["city"], got["region"]) == ("BASIC", "Samarkand", "R")
    assert client.get("/api/clients/by-hash/h-1", headers=staff_token).get_json()[
        "client_id"] == client_id
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1
    for path in (f"/api/clients/{uuid.uuid4()}", "/api/clients/not-a-uuid",
                 "/api/clients/by-hash/nope"):
        response = client.get(path, headers=staff_token)
        assert response.status_code == 404 and response.get_json()["detail"] == "Client not found"


def test_a_bad_phone_is_a_400_naming_it(client, staff_token):
    response = client.post("/api/clients", headers=staff_token, json={"phone_number": "12"})
    assert response.status_code == 400 and "phone_number" in response.get_json()["details"]


def test_tickets_by_cons_id_and_the_clients_list(client, staff_token):
    first = _create(client, staff_token).get_json()
    client_id, cons_id = first["client_id"], first["consultation"]["cons_id"]
    for _ in range(2):
        _create(client, staff_token)
    got = client.get(f"/api/tickets/{cons_id}", headers=staff_token)
    assert got.status_code == 200 and got.get_json()["cons_id"] == cons_id
    assert client.get("/api/tickets/12345", headers=staff_token).status_code == 404
    assert client.get(f"/api/tickets/{uuid.uuid4()}", headers=staff_token).status_code == 404
    listed = client.get(f"/api/tickets/clients/{client_id}/tickets", headers=staff_token)
    assert listed.status_code == 200
    assert listed.get_json()["total"] == 3 and len(listed.get_json()["tickets"]) == 3
    page = client.get(f"/api/tickets/clients/{client_id}/tickets?skip=1&limit=1",
                      headers=staff_token).get_json()
    assert page["total"] == 3 and len(page["tickets"]) == 1
    assert page["tickets"][0]["cons_id"] != listed.get_json()["tickets"][0]["cons_id"]
    clamped = client.get(f"/api/tickets/clients/{client_id}/tickets?limit=5000",
                         headers=staff_token)
    assert clamped.status_code == 200 and clamped.get_json()["total"] == 3
    assert client.get(f"/api/tickets/clients/{client_id}/tickets?limit=0",
                      headers=staff_token).status_code == 400
    assert client.get(f"/api/tickets/clients/{uuid.uuid4()}/tickets",
                      headers=staff_token).status_code == 404


def test_no_token_or_a_bad_one_is_401(client):
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic abc"}):
        assert _create(client, headers).status_code == 401
        assert client.get(f"/api/clients/{uuid.uuid4()}", headers=headers).status_code == 401


def test_staff_without_the_permission_are_refused(client, make_user, api_login):
    cashier = bearer(api_login(make_user("cashier").email)["access"])
    assert _create(client, cashier).status_code == 403


def test_a_patient_is_linked_and_reads_only_their_own(client, staff_token, patient_world):
    patient, patient_token = patient_world
    # Staff create a consultation for the patient's e-mail: the client IS the patient.
    body = {"client": {"email": "PETR@patient.test"}, "consultation": {"comment": "Вопрос"}}
    linked = _create(client, staff_token, body).get_json()
    assert linked["client_id"] == str(patient.client_id)
    # A client matched by phone is the same identity too.
    by_phone = client.post("/api/clients", headers=staff_token,
                           json={"phone_number": "+998 90 111 22 33"}).get_json()
    assert by_phone["client_id"] == str(patient.client_id)
    # The patient reads their own client and tickets, and creates from their apps.
    own = client.get(f"/api/clients/{patient.client_id}", headers=patient_token)
    assert own.status_code == 200
    mine = client.post("/api/consultations/simple", headers=patient_token, json={
        "client_id": str(patient.client_id), "comment": "Мой вопрос", "source": "CABINET"})
    assert mine.status_code == 200
    assert mine.get_json()["consultation"]["source"] == "CABINET"
    default = client.post("/api/consultations/create", headers=patient_token,
                          json={"consultation": {"client_id": str(patient.client_id),
                                                 "comment": "x"}})
    assert default.get_json()["consultation"]["source"] == "MOBILE"
    assert client.post("/api/consultations/simple", headers=patient_token, json={
        "client_id": str(patient.client_id), "comment": "x", "source": "STAFF"}
    ).status_code == 400
    listed = client.get(f"/api/tickets/clients/{patient.client_id}/tickets",
                        headers=patient_token).get_json()
    assert listed["total"] == 3
    # Someone else's client and ticket: 404.
    other = _create(client, staff_token).get_json()
    assert client.get(f"/api/clients/{other['client_id']}",
                      headers=patient_token).status_code == 404
    assert client.get(f"/api/tickets/{other['consultation']['cons_id']}",
                      headers=patient_token).status_code == 404
    assert client.post("/api/consultations/simple", headers=patient_token, json={
        "client_id": other["client_id"], "comment": "x"}).status_code == 404


def test_question_keys_are_checked_against_the_directory(client, staff_token):
    body = {"client": {"email": "q@q.uz"}, "consultation": {
        "comment": "x", "online_question_cat": str(uuid.uuid4()),
        "online_question": str(uuid.uuid4())}}
    db.session.execute(db.delete(Question))
    db.session.execute(db.delete(QuestionCategory))
    assert _create(client, staff_token, body).status_code == 200  # empty: any UUID
    category = QuestionCategory(key=uuid.uuid4(), name="Налоги")
    question = Question(key=uuid.uuid4(), name="НДС", category_key=category.key)
    db.session.add(category)
    db.session.flush()
    db.session.add(question)
    db.session.commit()
    refused = _create(client, staff_token, body)
    assert refused.status_code == 400 and "online_question_cat" in refused.get_json()["details"]
    body["consultation"]["online_question_cat"] = str(category.key)
    refused = _create(client, staff_token, body)
    assert refused.status_code == 400 and "online_question" in refused.get_json()["details"]
    body["consultation"]["online_question"] = str(question.key)
    assert _create(client, staff_token, body).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/consultations/create", "/api/consultations/simple", "/api/clients",
                 "/api/clients/{client_id}", "/api/clients/by-hash/{client_hash}",
                 "/api/tickets/{ticket_id}", "/api/tickets/clients/{client_id}/tickets",
                 "/api/integrations/chatwoot/webhook"):
        assert path in paths, path


def test_moments_with_any_offset_are_kept_in_utc(client, staff_token):
    """PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows: stored in UTC instead;
    a moment that does not fit in UTC is a 400 naming the field (schemathesis found both)."""
    saved = client.post("/api/clients", headers=staff_token, json={
        "email": "offset@firm.uz", "subs_start": "0797-09-27T03:43:56.137-17:51"})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["subs_start"].startswith("0797-09-27T21:34:56.137")
    refused = client.post("/api/clients", headers=staff_token, json={
        "email": "early@firm.uz", "subs_end": "0001-01-01T00:00:00+05:00"})
    assert refused.status_code == 400 and "subs_end" in str(refused.get_json()["details"])
