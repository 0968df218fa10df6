"""The raw WebSocket of document 001 on a live server: the handshake, the frames both
ways, refusals as error frames on an open socket, and racing first messages."""
import json
import threading

import pytest
import websocket

from clinicapp.chat.models import MAX_CONTENT
from tests.conftest import serve

from .live import chat_url, connect, frame, login, new_patient, next_frame, send, sql, treat

POLICY_VIOLATION = 1008


@pytest.fixture(scope="module")
def pair(live_server):
    """A fresh patient treated by the demo doctor; both logged in."""
    patient = new_patient(live_server.url)
    treat(live_server.database_url, patient.user_id, "doctor@clinic.test")
    return patient, login(live_server.url, "doctor@clinic.test")


def _refused(base: str, query: str, **options) -> tuple:
    client = websocket.create_connection(chat_url(base, query), timeout=5, **options)
    try:
        return frame(client)
    finally:
        client.close()


def test_handshake_refusals_close_with_policy_violation(live_server, pair):
    patient, doctor = pair
    base = live_server.url
    for query, reason in (
        ("", "not_authenticated"),
        (f"?user_id={patient.user_id}", "not_authenticated"),
        (f"?user_id={patient.user_id}&token=not-a-jwt", "not_authenticated"),
        (f"?user_id={doctor.user_id}&token={patient.token}", "user_mismatch"),
        (f"?token={patient.token}", "user_mismatch"),
        (f"?user_id=abc&token={patient.token}", "user_mismatch"),
    ):
        assert _refused(base, query) == ("close", POLICY_VIOLATION, reason), query


def test_a_session_cookie_is_not_enough(live_server, pair):
    patient, _doctor = pair
    assert _refused(live_server.url, f"?user_id={patient.user_id}",
                    cookie="session=whatever") == ("close", POLICY_VIOLATION, "not_authenticated")


def test_bearer_header_is_accepted(live_server, pair):
    patient, _doctor = pair
    client = websocket.create_connection(
        chat_url(live_server.url, f"?user_id={patient.user_id}"), timeout=5,
        header=[f"Authorization: Bearer {patient.token}"])
    send(client, type="read", conversation_id=1)
    assert next_frame(client, "error")["error"] == "not_found"
    client.close()


def test_message_echo_notification_typing_and_read(live_server, pair):
    patient, doctor = pair
    patient_ws, doctor_ws = connect(live_server.url, patient), connect(live_server.url, doctor)
    send(patient_ws, type="message", content="Здравствуйте, доктор", recipient_id=str(doctor.user_id))
    echo = next_frame(patient_ws, "message")
    received = next_frame(doctor_ws, "message")
    assert received == echo
    assert {k: received[k] for k in ("sender_id", "recipient_id", "content")} == {
        "sender_id": patient.user_id, "recipient_id": doctor.user_id,
        "content": "Здравствуйте, доктор"}
    assert isinstance(received["id"], int) and received["created_at"]
    conversation_id = received["conversation_id"]
    assert next_frame(doctor_ws, "notification") == {
        "type": "notification", "conversation_id": conversation_id, "unread": 1}

    send(doctor_ws, type="typing", recipient_id=patient.user_id)
    assert next_frame(patient_ws, "typing") == {
        "type": "typing", "conversation_id": conversation_id, "sender_id": doctor.user_id}

    send(doctor_ws, type="read", conversation_id=conversation_id)
    for client in (patient_ws, doctor_ws):  # the sender hears it, and the reader's other tabs
        receipt = next_frame(client, "read")
        assert receipt["last_read_id"] == received["id"]
        assert receipt["reader_id"] == doctor.user_id
    assert sql(live_server.database_url, "SELECT read_at IS NOT NULL FROM chat_messages "
               "WHERE id = :id", id=received["id"]) == [(True,)]

    send(doctor_ws, type="message", content="Слушаю вас", recipient_id=patient.user_id)
    answer = next_frame(patient_ws, "message")
    assert answer["sender_id"] == doctor.user_id and answer["conversation_id"] == conversation_id
    assert next_frame(patient_ws, "notification")["unread"] == 1
    patient_ws.close()
    doctor_ws.close()


def test_refusals_are_error_frames_and_the_socket_stays_open(live_server, pair):
    patient, doctor = pair
    client = connect(live_server.url, patient)
    cashier = sql(live_server.database_url, """
        SELECT u.id FROM users u WHERE u.role = 'cashier' LIMIT 1""")[0][0]
    for payload, code in (
        ({"type": "message", "content": "x", "recipient_id": cashier},
         "recipient_forbidden"),
        ({"type": "message", "content": "x" * (MAX_CONTENT + 1),
          "recipient_id": doctor.user_id}, "validation_error"),
        ({"type": "message", "content": "   ", "recipient_id": doctor.user_id},
         "validation_error"),
        ({"type": "message", "content": "x"}, "validation_error"),
        ({"type": "unknown"}, "validation_error"),
    ):
        send(client, **payload)
        error = next_frame(client, "error")
        assert error["error"] == code and error["detail"], (payload, error)
    client.send("not json")
    assert next_frame(client, "error")["error"] == "validation_error"
    send(client, type="message", content="Всё-таки вопрос", recipient_id=doctor.user_id)
    assert next_frame(client, "message")["content"] == "Всё-таки вопрос"
    client.close()


def test_patient_refusal_names_who_may_be_written_to(live_server):
    lonely = new_patient(live_server.url)
    doctor = login(live_server.url, "doctor@clinic.test")
    client = connect(live_server.url, lonely)
    send(client, type="message", content="Здравствуйте", recipient_id=doctor.user_id)
    error = next_frame(client, "error")
    assert error["detail"].startswith("Писать можно врачу, у которого вы были")
    client.close()


def test_desk_over_the_raw_websocket(live_server):
    patient = new_patient(live_server.url)
    treat(live_server.database_url, patient.user_id, "doctor@clinic.test")  # branch 1: the desk's
    reception = login(live_server.url, "reception@clinic.test")
    patient_ws, desk_ws = connect(live_server.url, patient), connect(live_server.url, reception)
    send(patient_ws, type="message", content="Регистратура?", recipient_id=reception.user_id)
    message = next_frame(desk_ws, "message")
    assert next_frame(patient_ws, "message") == message
    kind = sql(live_server.database_url, "SELECT kind FROM chat_conversations WHERE id = :id",
               id=message["conversation_id"])
    assert kind == [("desk",)]
    patient_ws.close()
    desk_ws.close()


def test_racing_first_messages_make_one_conversation(live_server):
    """Eight sockets of one patient send their first message to the doctor at once."""
    patient = new_patient(live_server.url)
    treat(live_server.database_url, patient.user_id, "doctor@clinic.test")
    doctor = login(live_server.url, "doctor@clinic.test")
    clients = [connect(live_server.url, patient) for _ in range(8)]
    start = threading.Barrier(len(clients))
    echoes: list = []

    def write(index: int, client) -> None:
        start.wait()
        send(client, type="message", content=f"первое {index}", recipient_id=doctor.user_id)
        echoes.append(next_frame_of(client, f"первое {index}"))

    def next_frame_of(client, content: str) -> dict:
        while True:
            received = next_frame(client, "message")
            if received["content"] == content:
                return received

    threads = [threading.Thread(target=write, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(echoes) == len(clients)
    assert len({echo["conversation_id"] for echo in echoes}) == 1
    rows = sql(live_server.database_url, """
        SELECT c.id, count(m.id) FROM chat_conversations c
        JOIN patients p ON p.id = c.patient_id
        LEFT JOIN chat_messages m ON m.conversation_id = c.id
        WHERE p.user_id = :user_id GROUP BY c.id""", user_id=patient.user_id)
    assert rows == [(echoes[0]["conversation_id"], len(clients))]
    for client in clients:
        client.close()



def test_unstorable_or_too_deep_frames_are_error_frames(live_server, pair):
    patient, doctor = pair
    client = connect(live_server.url, patient)
    to = doctor.user_id
    for text, field in (
        # json.dumps escapes them as \u0000 and \ud800, as a client's JSON would.
        (json.dumps({"type": "message", "content": "a\u0000b", "recipient_id": to}), "content"),
        (json.dumps({"type": "message", "content": "a\ud800b", "recipient_id": to}), "content"),
        ('{"type": "message", "content": ' + "[" * 5000 + "]" * 5000 + "}", "body"),
        (json.dumps({"type": "message", "content": "x", "recipient_id": "\ud800"}),
         "recipient_id"),
    ):
        client.send(text)
        error = next_frame(client, "error")
        assert error["error"] == "validation_error" and field in error["details"], error
    send(client, type="message", content="Живой", recipient_id=to)
    assert next_frame(client, "message")["content"] == "Живой"
    client.close()


def test_an_unexpected_failure_answers_internal_and_keeps_the_socket(live_server, pair):
    patient, doctor = pair
    secret = "Секрет-7f3a диагноз"
    sql(live_server.database_url, """
        CREATE FUNCTION chat_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.content LIKE 'Секрет-7f3a%' THEN RAISE EXCEPTION 'disk on fire'; END IF;
        RETURN NEW; END $$;
        CREATE TRIGGER chat_test_refuse BEFORE INSERT ON chat_messages
        FOR EACH ROW EXECUTE FUNCTION chat_test_refuse();""")
    try:
        client = connect(live_server.url, patient)
        send(client, type="message", content=secret, recipient_id=doctor.user_id)
        error = next_frame(client, "error")
        assert error["error"] == "internal" and error["detail"]
        send(client, type="message", content="После сбоя", recipient_id=doctor.user_id)
        assert next_frame(client, "message")["content"] == "После сбоя"
        client.close()
    finally:
        sql(live_server.database_url, "DROP TRIGGER chat_test_refuse ON chat_messages; "
            "DROP FUNCTION chat_test_refuse()")
    log = live_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "disk on fire" in log or "InternalError" in log  # the failure is logged…
    assert secret not in log  # …without the message


@pytest.fixture(scope="module")
def limited(live_server):
    """The app with its limits on and a chat budget of 2 messages a minute."""
    server = serve(live_server.database_url, RATELIMIT_ENABLED="1", REDIS_URL="",
                   CHAT_RATE_LIMIT="2/minute")
    try:
        yield server
    finally:
        server.stop()


def test_messages_over_the_budget_are_refused_rate_limited(limited):
    patient = new_patient(limited.url)
    treat(limited.database_url, patient.user_id, "doctor@clinic.test")
    doctor = login(limited.url, "doctor@clinic.test")
    client = connect(limited.url, patient)
    for n in range(2):
        send(client, type="message", content=f"№{n}", recipient_id=doctor.user_id)
        assert next_frame(client, "message")["content"] == f"№{n}"
    send(client, type="message", content="лишнее", recipient_id=doctor.user_id)
    error = next_frame(client, "error")
    assert error == {"type": "error", "error": "rate_limited",
                     "detail": "Слишком много запросов, попробуйте позже"}
    assert sql(limited.database_url, """SELECT count(*) FROM chat_messages m
        JOIN chat_conversations c ON c.id = m.conversation_id JOIN patients p
        ON p.id = c.patient_id WHERE p.user_id = :user_id""", user_id=patient.user_id) == [(2,)]
    client.close()
