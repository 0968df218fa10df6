"""What a browser walk of the chat found, fixed and held: the card's link and the start
page open the conversation one already has; one search over conversations that offers new
ones; what each conversation is and who at a desk wrote; a blank message refused next to
the box; the page carries the reader's zone for live times."""
import re

import pytest

from clinicapp.auth.models import User
from clinicapp.chat.models import Message
from clinicapp.extensions import db
from clinicapp.org.clock import person_zone
from tests.conftest import csrf_token

from .conftest import send


@pytest.fixture
def doctor_talk(sio, world):
    ack = send(sio("patient"), type="message", content="Доктор, добрый день",
               recipient_id=world.id("doctor"))
    return ack["message"]["conversation_id"]


@pytest.fixture
def desk_talk(sio, world):
    ack = send(sio("reception"), type="message", content="Напоминаем о записи",
               recipient_id=world.id("registered"))
    assert ack["message"]["sender_name"] == "Регистратор А"
    return ack["message"]["conversation_id"]


def _fragment(client, url):
    return client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)


# --- 2. the card and /chat/?patient= ---------------------------------------------------------

def test_start_page_opens_the_doctors_existing_conversation(client, auth, world, doctor_talk):
    auth.login(world.emails["doctor"])
    response = client.get(f"/chat/?patient={world.patient_ids['patient']}")
    assert response.status_code == 302 and response.location == f"/chat/?c={doctor_talk}"


def test_start_page_opens_the_desks_existing_conversation(client, auth, world, desk_talk):
    auth.login(world.emails["manager"])  # a colleague of the receptionist who started it
    response = client.get(f"/chat/?patient={world.patient_ids['registered']}")
    assert response.status_code == 302 and response.location == f"/chat/?c={desk_talk}"


def test_start_page_still_offers_a_new_conversation_when_there_is_none(client, auth, world,
                                                                       doctor_talk):
    auth.login(world.emails["doctor"])
    html = client.get(f"/chat/?patient={world.patient_ids['registered']}").get_data(as_text=True)
    assert "Новый разговор" in html and "Написать пациенту" in html


def test_card_links_the_chat_only_when_the_viewer_may_write(client, auth, world):
    registered = world.patient_ids["registered"]
    auth.login(world.emails["reception"])
    assert f"/chat/?patient={registered}" in client.get(f"/patients/{registered}").get_data(
        as_text=True)
    no_cabinet = world.patient_ids["no_cabinet"]
    assert "/chat/?patient=" not in client.get(f"/patients/{no_cabinet}").get_data(as_text=True)
    auth.logout()
    # Branch B's receptionist: «Registered» is branch A's, never came to B.
    auth.login(world.emails["reception_b"])
    card = client.get(f"/patients/{registered}")
    assert card.status_code == 200
    assert "/chat/?patient=" not in card.get_data(as_text=True)


# --- 3. what each conversation is, who wrote ----------------------------------------------

def test_rows_and_header_say_what_the_conversation_is(client, auth, world, doctor_talk,
                                                      desk_talk):
    auth.login(world.emails["doctor"])
    inbox = _fragment(client, "/chat/inbox")
    assert "Врач · Лечащий Иван" in inbox
    thread = _fragment(client, f"/chat/c/{doctor_talk}")
    assert 'class="chat-thread-kind small">Врач · Лечащий Иван' in thread
    auth.logout()
    auth.login(world.emails["manager"])
    inbox = _fragment(client, "/chat/inbox")
    assert "Регистратура · Чатовая на Арбате" in inbox and "Врач ·" not in inbox
    assert "Регистратура · Чатовая на Арбате" in _fragment(client, f"/chat/c/{desk_talk}")


def test_desk_messages_name_the_staff_member_who_wrote(client, auth, world, desk_talk, sio):
    send(sio("manager"), type="message", content="Ждём вас", conversation_id=desk_talk)
    auth.login(world.emails["reception"])
    html = _fragment(client, f"/chat/c/{desk_talk}")
    authors = re.findall(r'class="chat-author small muted">([^<]+)<', html)
    assert authors == ["Регистратор А", "Управляющий А"]  # her own too: the desk is shared
    auth.logout()
    auth.login(world.emails["registered"])
    assert "chat-author" not in client.get(f"/cabinet/chat?c={desk_talk}").get_data(as_text=True)


# --- 4. one search ------------------------------------------------------------------------------

def test_a_search_without_match_says_so(client, auth, world, doctor_talk):
    auth.login(world.emails["doctor"])
    html = _fragment(client, "/chat/inbox?q=Несуществующий")
    assert "Никого не нашлось по „Несуществующий“" in html and "Разговоров пока нет" not in html
    hostile = _fragment(client, "/chat/inbox?q=<b>x</b>")
    assert "<b>x</b>" not in hostile and "&lt;b&gt;x&lt;/b&gt;" in hostile


def test_no_conversations_without_search(client, auth, world):
    auth.login(world.emails["doctor"])
    assert "Разговоров пока нет" in _fragment(client, "/chat/inbox")


def test_the_search_offers_to_start_with_those_found_without_a_conversation(
        client, auth, world, doctor_talk):
    auth.login(world.emails["doctor"])
    html = _fragment(client, "/chat/inbox?q=Чатов")
    assert f'data-conversation-id="{doctor_talk}"' in html  # «Patient»: the conversation
    assert "Начать разговор с Чатов Patient" not in html
    assert "Начать разговор с Чатов Registered" in html  # of his branch, no conversation yet
    assert "Чатов Stranger" not in html  # the rule does not let him write to that one
    page = client.get("/chat/?q=Чатов").get_data(as_text=True)
    assert "Начать разговор с Чатов Registered" in page
    assert page.count('type="search"') == 1  # one search box, not two
    response = client.post("/chat/start", data={
        "csrf_token": csrf_token(page), "patient_id": world.patient_ids["registered"]})
    assert response.status_code == 302 and "/chat/?c=" in response.location


# --- 5. a blank message ---------------------------------------------------------------------

def test_a_blank_message_is_refused_next_to_the_box(client, auth, world, doctor_talk):
    auth.login(world.emails["patient"])
    page = client.get(f"/cabinet/chat?c={doctor_talk}").get_data(as_text=True)
    assert "Напишите текст" in page  # the words the script shows before sending
    response = client.post(f"/chat/c/{doctor_talk}/send",
                           data={"csrf_token": csrf_token(page), "content": "   \n "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="chat-error" role="alert">Напишите текст</p>', html)
    assert 'id="chat-form"' in html  # the thread, the box, not a refusal page
    assert db.session.scalar(db.select(db.func.count()).select_from(Message).where(
        Message.conversation_id == doctor_talk)) == 1


# --- 1. live times in the reader's zone ---------------------------------------------------------

def test_page_carries_the_readers_zone_for_live_times(client, auth, world, doctor_talk):
    auth.login(world.emails["doctor"])
    html = client.get(f"/chat/?c={doctor_talk}").get_data(as_text=True)
    zone = re.search(r'data-zone="([^"]+)"', html).group(1)
    assert zone == person_zone(db.session.get(User, world.id("doctor"))).key
