"""Frames that would crash the code behind them (a NUL, a lone surrogate, deep nesting, a
failing database) and frames too fast: refused with an error frame over Socket.IO and the
page's form, the connection kept. The raw WebSocket's side: tests/chat/test_websocket.py."""
import logging

import pytest
from sqlalchemy import text

from clinicapp.chat.models import Message
from clinicapp.extensions import db
from tests.conftest import csrf_token

from .conftest import send

BAD_TEXTS = ["до\u0000после", "до\ud800после"]


def _messages() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Message))


@pytest.mark.parametrize("content", BAD_TEXTS)
def test_socketio_refuses_unstorable_content_naming_it(sio, world, content):
    client = sio("patient")
    ack = send(client, type="message", content=content, recipient_id=world.id("doctor"))
    assert ack["type"] == "error" and ack["error"] == "validation_error", ack
    assert list(ack["details"]) == ["content"]
    assert _messages() == 0
    assert send(client, type="message", content="Теперь нормально",
                recipient_id=world.id("doctor"))["ok"] is True


def test_socketio_refuses_nested_content(sio, world):
    nested: object = "x"
    for _ in range(200):
        nested = {"a": [nested]}
    ack = send(sio("patient"), type="message", content=nested, recipient_id=world.id("doctor"))
    assert ack["error"] == "validation_error" and list(ack["details"]) == ["content"]


def test_page_form_refuses_unstorable_content(client, auth, sio, world):
    # A NUL is refused by core.input_guard before the view; a form cannot carry a lone
    # surrogate (bad UTF-8 decodes to U+FFFD), so only the stored result is checked.
    content = BAD_TEXTS[0]
    ack = send(sio("patient"), type="message", content="Вопрос", recipient_id=world.id("doctor"))
    conversation_id = ack["message"]["conversation_id"]
    auth.login(world.emails["doctor"])
    token = csrf_token(client.get(f"/chat/?c={conversation_id}").get_data(as_text=True))
    response = client.post(f"/chat/c/{conversation_id}/send",
                           data={"csrf_token": token, "content": content})
    assert response.status_code == 400
    assert _messages() == 1


@pytest.fixture
def failing_inserts():
    """The database refuses every new chat message (a real error from PostgreSQL, for the
    path no client mistake reaches); dropped with the test's transaction."""
    db.session.execute(text("""
        CREATE FUNCTION pg_temp.chat_refuse() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
        CREATE TRIGGER chat_refuse BEFORE INSERT ON chat_messages
        FOR EACH ROW EXECUTE FUNCTION pg_temp.chat_refuse();"""))
    db.session.commit()


def test_socketio_unexpected_failure_is_internal_and_logged_without_content(
        sio, world, failing_inserts, caplog):
    client = sio("patient")
    secret = "Секретный диагноз 42"
    with caplog.at_level(logging.ERROR, logger="clinicapp.chat"):
        ack = send(client, type="message", content=secret, recipient_id=world.id("doctor"))
    assert ack["type"] == "error" and ack["error"] == "internal" and ack["detail"]
    assert caplog.records, "the failure is logged"
    assert secret not in caplog.text
    assert client.is_connected()
    assert send(client, type="read", conversation_id=2**31 - 1)["error"] == "not_found"


def test_socketio_messages_are_rate_limited_per_user(app, sio, world, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setitem(app.config, "CHAT_RATE_LIMIT", "3/minute")
    first, second = sio("patient"), sio("patient")  # two tabs share the user's budget
    for client in (first, second, first):
        assert send(client, type="message", content="Раз", recipient_id=world.id("doctor"))["ok"]
    ack = send(second, type="message", content="Четыре", recipient_id=world.id("doctor"))
    assert ack["type"] == "error" and ack["error"] == "rate_limited"
    assert ack["detail"] == "Слишком много запросов, попробуйте позже"
    assert _messages() == 3
    # Another user has a budget of their own; typing and reading are not counted.
    assert send(sio("doctor"), type="message", content="Отвечаю",
                recipient_id=world.id("patient"))["ok"] is True
    assert send(first, type="typing", recipient_id=world.id("doctor"))["ok"] is True
