"""The REST history: /api/v1/chat/conversations, …/{id}/messages, …/{id}/read."""
import pytest

from tests.conftest import bearer

from .conftest import send


@pytest.fixture
def talk(sio, world):
    """A patient–doctor conversation of 5 messages (3 from the patient, 2 from the doctor)
    and a desk conversation of 1; returns the two conversation ids."""
    patient, doctor = sio("patient"), sio("doctor")
    first = send(patient, type="message", content="1 пациент", recipient_id=world.id("doctor"))
    conversation_id = first["message"]["conversation_id"]
    for who, text in ((doctor, "2 врач"), (patient, "3 пациент"), (doctor, "4 врач"),
                      (patient, "5 <b>пациент</b>")):
        assert send(who, type="message", content=text, conversation_id=conversation_id)["ok"]
    desk = send(patient, type="message", content="В регистратуру",
                recipient_id=world.id("reception"))
    return conversation_id, desk["message"]["conversation_id"]


def _get(client, world, who: str, path: str):
    return client.get("/api/v1/chat" + path, headers=bearer(world.tokens[who]))


def test_conversations_of_a_patient(client, world, talk):
    doctor_conversation, desk_conversation = talk
    response = _get(client, world, "patient", "/conversations")
    assert response.status_code == 200
    body = response.get_json()
    assert [c["id"] for c in body] == [desk_conversation, doctor_conversation]  # latest first
    assert response.headers["X-Total-Count"] == "2"
    assert response.headers["X-Unread-Count"] == "2"  # the doctor's two messages
    desk, doctor = body
    assert desk["kind"] == "desk" and desk["title"] == "Регистратура · Чатовая на Арбате"
    assert desk["clinic_id"] == world.clinic_id and desk["doctor_user_id"] is None
    assert desk["recipient_id"] == world.id("reception")
    assert doctor["title"] == "Лечащий Иван"
    assert doctor["recipient_id"] == world.id("doctor")
    assert doctor["unread"] == 2
    assert doctor["last_message"]["content"] == "5 <b>пациент</b>"
    assert set(doctor) == {"id", "kind", "patient_id", "doctor_user_id", "clinic_id", "title",
                           "recipient_id", "unread", "last_message", "last_message_at"}


def test_conversations_of_staff(client, world, talk):
    doctor = _get(client, world, "doctor", "/conversations").get_json()
    assert [(c["kind"], c["unread"], c["title"]) for c in doctor] == [
        ("doctor", 3, "Чатов Patient")]
    assert doctor[0]["recipient_id"] == world.id("patient")
    desk = _get(client, world, "manager", "/conversations").get_json()
    assert [(c["kind"], c["unread"]) for c in desk] == [("desk", 1)]
    assert _get(client, world, "reception_b", "/conversations").get_json() == []
    assert _get(client, world, "doctor_other", "/conversations").get_json() == []


def test_messages_newest_first_with_paging(client, world, talk):
    conversation_id = talk[0]
    response = _get(client, world, "patient",
                    f"/conversations/{conversation_id}/messages?limit=2&offset=1")
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "5"
    body = response.get_json()
    assert [m["content"] for m in body] == ["4 врач", "3 пациент"]
    assert set(body[0]) == {"id", "conversation_id", "sender_id", "recipient_id", "content",
                            "created_at", "read_at"}
    assert body[0]["sender_id"] == world.id("doctor")
    assert body[0]["recipient_id"] == world.id("patient")
    everything = _get(client, world, "doctor", f"/conversations/{conversation_id}/messages")
    assert [m["content"][0] for m in everything.get_json()] == ["5", "4", "3", "2", "1"]


@pytest.mark.parametrize("query", ["?limit=0", "?offset=-1", "?limit=x"])
def test_bad_paging_is_400(client, world, talk, query):
    response = _get(client, world, "patient", f"/conversations/{talk[0]}/messages{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("outsider", ["stranger", "doctor_other", "reception", "reception_b",
                                      "cashier"])
def test_another_conversation_is_404(client, world, talk, outsider):
    response = _get(client, world, outsider, f"/conversations/{talk[0]}/messages")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    read = client.post(f"/api/v1/chat/conversations/{talk[0]}/read",
                       headers=bearer(world.tokens[outsider]))
    assert read.status_code == 404


def test_desk_conversation_is_404_for_another_branch(client, world, talk):
    assert _get(client, world, "reception_b", f"/conversations/{talk[1]}/messages"
                ).status_code == 404
    assert _get(client, world, "reception", f"/conversations/{talk[1]}/messages"
                ).status_code == 200


def test_unknown_conversation_is_404(client, world):
    assert _get(client, world, "patient", "/conversations/999999/messages").status_code == 404


@pytest.mark.parametrize("path", ["/conversations", "/conversations/1/messages"])
def test_without_a_token_401(client, path):
    assert client.get("/api/v1/chat" + path).status_code == 401
    assert client.get("/api/v1/chat" + path, headers=bearer("junk")).status_code == 401


def test_read_marks_the_other_sides_messages(client, world, talk, sio):
    patient = sio("patient")
    response = client.post(f"/api/v1/chat/conversations/{talk[0]}/read",
                           headers=bearer(world.tokens["patient"]))
    assert response.status_code == 200
    assert response.get_json() == {"conversation_id": talk[0], "read": 2, "unread": 0}
    messages = _get(client, world, "doctor", f"/conversations/{talk[0]}/messages").get_json()
    assert [m["read_at"] is not None for m in messages] == [False, True, False, True, False]
    assert _get(client, world, "patient", "/conversations").headers["X-Unread-Count"] == "0"
    # The doctor hears the receipt.
    doctor = sio("doctor")
    client.post(f"/api/v1/chat/conversations/{talk[0]}/read",
                headers=bearer(world.tokens["doctor"]))
    frames = [e["args"][0] for e in patient.get_received() if e["name"] == "chat"]
    assert frames[-1]["type"] == "read" and frames[-1]["reader_id"] == world.id("doctor")
    assert doctor.is_connected()


def test_openapi_documents_the_chat(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/v1/chat/conversations", "/api/v1/chat/conversations/{conversation_id}/messages",
            "/api/v1/chat/conversations/{conversation_id}/read"} <= set(paths)


def test_conversation_list_queries_do_not_grow_with_conversations(client, sio, world, make_user,
                                                                  count_queries):
    from clinicapp.extensions import db
    from clinicapp.patients.models import Patient

    patient = sio("patient")

    def statements(role: str) -> int:
        response, count = count_queries(lambda: _get(client, world, role, "/conversations"))
        assert response.status_code == 200
        return count

    def patient_list():
        return statements("patient")

    def desk_list():
        return statements("reception")

    send(patient, type="message", content="Врачу", recipient_id=world.id("doctor"))
    send(patient, type="message", content="На ресепшн", recipient_id=world.id("reception"))
    few_patient, few_desk = patient_list(), desk_list()
    # More conversations of every kind: another doctor, and desk ones with new patients.
    send(patient, type="message", content="Второму врачу", recipient_id=world.id("doctor_b"))
    desk = sio("reception")
    organization_id = db.session.get(Patient, world.patient_ids["patient"]).organization_id
    for n in range(4):
        user = make_user("patient", full_name=f"Пациент Очереди {n}")
        db.session.add(Patient(organization_id=organization_id, last_name="Очередь",
                               first_name=f"N{n}", extra_phones=[], clinic_id=world.clinic_id,
                               user_id=user.id))
        db.session.commit()
        assert send(desk, type="message", content="Здравствуйте",
                    recipient_id=user.id)["ok"] is True
    many_patient, many_desk = patient_list(), desk_list()
    assert many_patient == few_patient
    assert many_desk == few_desk
