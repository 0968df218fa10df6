"""With REDIS_URL, a message written through one server process reaches the other: a
patient on a raw WebSocket of process A and a doctor on Socket.IO of process B."""
import threading

import socketio

from tests.realtime.conftest import pair  # noqa: F401 - two processes sharing Redis

from .live import connect, login, new_patient, next_frame, send, treat

TIMEOUT = 5


def _chat_frame(client: socketio.SimpleClient, kind: str) -> dict:
    while True:
        name, payload = client.receive(timeout=TIMEOUT)
        if name == "chat" and payload["type"] == kind:
            return payload


def test_raw_websocket_on_a_and_socketio_on_b_talk(live_server, pair):  # noqa: F811
    a, b = pair
    patient = new_patient(a.url)
    treat(live_server.database_url, patient.user_id, "doctor@clinic.test")
    doctor = login(b.url, "doctor@clinic.test")
    page = socketio.SimpleClient()
    page.connect(b.url, transports=["websocket"], auth={"token": doctor.token},
                 wait_timeout=TIMEOUT)
    raw = connect(a.url, patient)
    try:
        send(raw, type="message", content="Через процесс A", recipient_id=doctor.user_id)
        echo = next_frame(raw, "message")
        heard = _chat_frame(page, "message")
        assert heard == echo and heard["content"] == "Через процесс A"
        assert _chat_frame(page, "notification")["conversation_id"] == echo["conversation_id"]

        ack = page.call("chat", {"type": "message", "content": "Ответ из процесса B",
                                 "conversation_id": echo["conversation_id"]}, timeout=TIMEOUT)
        assert ack["ok"] is True, ack
        answer = next_frame(raw, "message")
        assert answer == ack["message"]
        assert answer["recipient_id"] == patient.user_id
        assert next_frame(raw, "notification")["unread"] == 1
    finally:
        raw.close()
        threading.Thread(target=page.disconnect, daemon=True).start()
