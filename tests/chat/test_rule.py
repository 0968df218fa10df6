"""Who may write to whom, over Socket.IO in-process (the raw WebSocket applies the same
service; tests/chat/test_websocket.py checks it there too)."""
import pytest
from sqlalchemy.exc import IntegrityError

from clinicapp.chat.models import Conversation, Message
from clinicapp.extensions import db

from .conftest import chat_frames, send

PATIENT_RULE = ("Писать можно врачу, у которого вы были или записаны на приём, или в "
                "регистратуру филиала, где у вас есть или была запись")
STAFF_RULE = ("Сотрудник может писать пациентам своих филиалов (с доступом в личный "
              "кабинет), врач — также своим пациентам")


def _conversation(ack) -> Conversation:
    return db.session.get(Conversation, ack["message"]["conversation_id"])


@pytest.mark.parametrize(("recipient", "kind"), [
    ("doctor", "doctor"),  # their doctor
    ("doctor_b", "doctor"),  # a doctor of another branch who saw them here
    ("reception", "desk"),  # the desk of a branch where they had an appointment
])
def test_patient_may_write_to_their_doctors_and_desk(sio, world, recipient, kind):
    ack = send(sio("patient"), type="message", content="Здравствуйте",
               recipient_id=world.id(recipient))
    assert ack["ok"] is True, ack
    conversation = _conversation(ack)
    assert conversation.kind == kind
    assert conversation.patient_id == world.patient_ids["patient"]
    if kind == "desk":
        assert conversation.clinic_id == world.clinic_id
    else:
        assert conversation.doctor_user_id == world.id(recipient)
    assert ack["message"]["recipient_id"] == world.id(recipient)


@pytest.mark.parametrize("recipient", [
    "doctor_other",  # a doctor they never saw
    "reception_b",  # the desk of a branch they never visited
    "manager",  # not the desk: managers do not take patients' first messages
    "cashier",
    "stranger",  # another patient
    "patient",  # themselves
])
def test_patient_refused_elsewhere_with_the_rule(sio, world, recipient):
    client = sio("patient")
    ack = send(client, type="message", content="Можно вопрос?", recipient_id=world.id(recipient))
    assert ack == {"type": "error", "detail": PATIENT_RULE, "error": "recipient_forbidden"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_patient_without_appointments_may_write_to_no_one(sio, world):
    ack = send(sio("stranger"), type="message", content="Привет", recipient_id=world.id("doctor"))
    assert ack["type"] == "error" and ack["detail"] == PATIENT_RULE


@pytest.mark.parametrize(("sender", "patient", "kind"), [
    ("reception", "patient", "desk"),  # an appointment in her branch
    ("reception", "registered", "desk"),  # registered in her branch, no visits yet
    ("manager", "patient", "desk"),
    ("doctor_other", "patient", "doctor"),  # a patient of his branch
    ("doctor_b", "patient", "doctor"),  # his own patient, seen in another branch
])
def test_staff_may_write_to_patients_of_their_branches(sio, world, sender, patient, kind):
    ack = send(sio(sender), type="message", content="Напоминаем о визите",
               recipient_id=world.id(patient))
    assert ack["ok"] is True, ack
    conversation = _conversation(ack)
    assert conversation.kind == kind
    if kind == "desk":
        assert conversation.clinic_id == world.clinic_id


@pytest.mark.parametrize(("sender", "recipient"), [
    ("reception_b", "patient"),  # not a patient of branch B
    ("reception", "stranger"),  # no relation to branch A
    ("cashier", "patient"),  # cashiers do not chat
    ("reception", "doctor"),  # not a patient
])
def test_staff_refused_elsewhere_with_the_rule(sio, world, sender, recipient):
    ack = send(sio(sender), type="message", content="?", recipient_id=world.id(recipient))
    assert ack == {"type": "error", "detail": STAFF_RULE, "error": "recipient_forbidden"}


def test_staff_cannot_write_to_a_patient_without_a_cabinet(client, auth, world):
    auth.login(world.emails["reception"])
    page = client.get(f"/chat/?patient={world.patient_ids['no_cabinet']}")
    assert "нет личного кабинета" in page.get_data(as_text=True)


def test_desk_and_patient_share_one_conversation(sio, world):
    patient_ack = send(sio("patient"), type="message", content="В регистратуру",
                       recipient_id=world.id("reception"))
    staff_ack = send(sio("manager"), type="message", content="Отвечает управляющий",
                     recipient_id=str(world.id("patient")))  # a string id is accepted
    assert staff_ack["message"]["conversation_id"] == patient_ack["message"]["conversation_id"]


def test_patient_may_answer_a_conversation_staff_started(sio, world):
    started = send(sio("reception"), type="message", content="Ждём вас на первичный приём",
                   recipient_id=world.id("registered"))
    patient = sio("registered")
    by_recipient = send(patient, type="message", content="Спасибо",
                        recipient_id=world.id("reception"))
    by_conversation = send(patient, type="message", content="Буду",
                           conversation_id=started["message"]["conversation_id"])
    assert by_recipient["ok"] and by_conversation["ok"], (by_recipient, by_conversation)
    assert (by_recipient["message"]["conversation_id"]
            == by_conversation["message"]["conversation_id"]
            == started["message"]["conversation_id"])


def test_another_conversation_is_not_found(sio, world):
    ack = send(sio("patient"), type="message", content="Здравствуйте",
               recipient_id=world.id("doctor"))
    conversation_id = ack["message"]["conversation_id"]
    for outsider in ("stranger", "doctor_other", "reception"):
        refused = send(sio(outsider), type="message", content="Вмешаюсь",
                       conversation_id=conversation_id)
        assert refused["type"] == "error" and refused["error"] == "not_found", (outsider, refused)


@pytest.mark.parametrize(("content", "field_error"), [
    ("x" * 4001, "Не длиннее 4000 символов"),
    ("   \n ", "Напишите текст"),
    ("", "Напишите текст"),
    (None, "Напишите текст"),
])
def test_content_must_be_text_of_at_most_4000_characters(sio, world, content, field_error):
    ack = send(sio("patient"), type="message", content=content, recipient_id=world.id("doctor"))
    assert ack["type"] == "error" and ack["error"] == "validation_error", ack


def test_4000_characters_fit(sio, world):
    ack = send(sio("patient"), type="message", content="я" * 4000,
               recipient_id=world.id("doctor"))
    assert ack["ok"] and len(ack["message"]["content"]) == 4000


def test_the_database_refuses_longer_or_blank_content(sio, world):
    ack = send(sio("patient"), type="message", content="first", recipient_id=world.id("doctor"))
    message = db.session.get(Message, ack["message"]["id"])
    for bad in ("y" * 4001, "  "):
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.add(Message(conversation_id=message.conversation_id,
                                       sender_id=message.sender_id,
                                       recipient_id=message.recipient_id,
                                       from_patient=True, content=bad))


@pytest.mark.parametrize("recipient_id", ["abc", -1, True, 1.5, None, 2**40])
def test_malformed_recipient_id(sio, world, recipient_id):
    ack = send(sio("patient"), type="message", content="hi", recipient_id=recipient_id)
    assert ack["type"] == "error" and ack["error"] == "validation_error", ack


def test_unknown_frame_type(sio):
    ack = send(sio("patient"), type="dance")
    assert ack["type"] == "error" and ack["error"] == "validation_error"


def test_frames_reach_both_sides_and_the_desk(sio, world):
    patient, desk, colleague = sio("patient"), sio("reception"), sio("manager")
    outsider = sio("reception_b")
    ack = send(patient, type="message", content="Есть вопрос", recipient_id=world.id("reception"))
    message = ack["message"]
    assert set(message) == {"type", "id", "conversation_id", "sender_id", "sender_name",
                            "recipient_id", "content", "created_at"}
    assert chat_frames(patient) == [message]  # the echo, same id
    notification = {"type": "notification", "conversation_id": message["conversation_id"],
                    "unread": 1}
    assert chat_frames(desk) == [message, notification]
    assert chat_frames(colleague) == [message, notification]  # the desk is shared
    assert chat_frames(outsider) == []


def test_typing_and_read_receipts(sio, world):
    patient, doctor = sio("patient"), sio("doctor")
    ack = send(patient, type="message", content="Доктор, добрый день",
               recipient_id=world.id("doctor"))
    conversation_id = ack["message"]["conversation_id"]
    chat_frames(patient), chat_frames(doctor)
    assert send(doctor, type="typing", conversation_id=conversation_id) == {"ok": True}
    assert chat_frames(patient) == [{"type": "typing", "conversation_id": conversation_id,
                                     "sender_id": world.id("doctor")}]
    assert send(doctor, type="read", conversation_id=conversation_id) == {"ok": True, "read": 1}
    receipt = chat_frames(patient)
    assert len(receipt) == 1 and receipt[0]["type"] == "read"
    assert receipt[0]["last_read_id"] == ack["message"]["id"]
    assert receipt[0]["reader_id"] == world.id("doctor")
    assert db.session.get(Message, ack["message"]["id"]).read_at is not None
    # Reading again changes nothing and announces nothing.
    assert send(doctor, type="read", conversation_id=conversation_id) == {"ok": True, "read": 0}
    assert chat_frames(patient) == []


def test_typing_follows_the_rule(sio, world):
    ack = send(sio("patient"), type="typing", recipient_id=world.id("doctor_other"))
    assert ack["type"] == "error" and ack["detail"] == PATIENT_RULE
