"""The chat pages: /chat/ for staff, /cabinet/chat for patients; escaping; access."""
import re

import pytest

from clinicapp.chat.models import Conversation, Message
from clinicapp.extensions import db
from tests.conftest import csrf_token

from .conftest import send

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def talk(sio, world):
    ack = send(sio("patient"), type="message", content=EVIL, recipient_id=world.id("doctor"))
    return ack["message"]["conversation_id"]


def test_patient_lands_on_the_cabinet_chat(client, auth, world):
    auth.login(world.emails["patient"])
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/cabinet/chat")


def test_cabinet_offers_their_doctors_and_desk(client, auth, world):
    auth.login(world.emails["patient"])
    html = client.get("/cabinet/chat").get_data(as_text=True)
    assert "Лечащий Иван" in html and "Химкинский Иван" in html
    assert "Регистратура · Чатовая на Арбате" in html
    assert "Другой Иван" not in html and "Химках" not in html


def test_patient_starts_a_conversation_and_writes_without_javascript(client, auth, world):
    auth.login(world.emails["patient"])
    token = csrf_token(client.get("/cabinet/chat").get_data(as_text=True))
    response = client.post("/cabinet/chat/start", data={
        "csrf_token": token, "recipient_id": world.id("reception")})
    assert response.status_code == 302
    conversation_id = int(re.search(r"c=(\d+)", response.location).group(1))
    sent = client.post(f"/chat/c/{conversation_id}/send",
                       data={"csrf_token": token, "content": "Перенесите, пожалуйста"})
    assert sent.status_code == 302
    html = client.get(sent.location).get_data(as_text=True)
    assert "Перенесите, пожалуйста" in html
    assert db.session.get(Conversation, conversation_id).kind == "desk"


def test_patient_refused_to_start_with_a_stranger(client, auth, world):
    auth.login(world.emails["patient"])
    token = csrf_token(client.get("/cabinet/chat").get_data(as_text=True))
    response = client.post("/cabinet/chat/start", data={
        "csrf_token": token, "recipient_id": world.id("doctor_other")})
    assert response.status_code == 403
    assert "Писать можно врачу" in response.get_data(as_text=True)


def test_content_is_escaped_on_every_page(client, auth, world, talk):
    auth.login(world.emails["doctor"])
    for url, headers in ((f"/chat/?c={talk}", {}), ("/chat/inbox", {"HX-Request": "true"}),
                         (f"/chat/c/{talk}", {"HX-Request": "true"})):
        html = client.get(url, headers=headers).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(" in html, url


def test_opening_the_thread_reads_it(client, auth, world, talk, sio):
    patient = sio("patient")
    auth.login(world.emails["doctor"])
    page = client.get(f"/chat/?c={talk}")
    assert page.status_code == 200
    assert db.session.scalar(db.select(Message.read_at).where(
        Message.conversation_id == talk)) is not None
    frames = [e["args"][0] for e in patient.get_received() if e["name"] == "chat"]
    assert [f["type"] for f in frames] == ["read"]


def test_staff_inbox_search_by_patient(client, auth, world, talk):
    auth.login(world.emails["doctor"])
    found = client.get("/chat/inbox?q=Чатов", headers={"HX-Request": "true"})
    assert f'data-conversation-id="{talk}"' in found.get_data(as_text=True)
    missed = client.get("/chat/inbox?q=Иванов", headers={"HX-Request": "true"})
    assert "data-conversation-id" not in missed.get_data(as_text=True)


def test_staff_start_from_the_patient_card(client, auth, world):
    auth.login(world.emails["reception"])
    card = client.get(f"/patients/{world.patient_ids['registered']}")
    assert f"/chat/?patient={world.patient_ids['registered']}" in card.get_data(as_text=True)
    page = client.get(f"/chat/?patient={world.patient_ids['registered']}")
    html = page.get_data(as_text=True)
    assert "Написать пациенту" in html
    response = client.post("/chat/start", data={
        "csrf_token": csrf_token(html), "patient_id": world.patient_ids["registered"]})
    assert response.status_code == 302 and "/chat/?c=" in response.location


def test_staff_finds_patients_to_write_to(client, auth, world):
    auth.login(world.emails["reception"])
    html = client.get("/chat/inbox?q=Чатов", headers={"HX-Request": "true"}
                      ).get_data(as_text=True)
    assert "Чатов Registered" in html and "Чатов Patient" in html
    assert "Чатов Stranger" not in html  # not a patient of her branch
    assert "Безкабинетный" not in html  # no cabinet


def test_cashier_has_no_chat(client, auth, world):
    auth.login(world.emails["cashier"])
    assert client.get("/chat/").status_code == 403


@pytest.mark.parametrize(("who", "url", "to"), [
    ("patient", "/chat/", "/cabinet/chat"),
    ("patient", "/chat/?c=7", "/cabinet/chat?c=7"),
    ("reception", "/cabinet/chat", "/chat/"),
    ("reception", "/cabinet/chat?c=7", "/chat/?c=7"),
])
def test_each_side_is_sent_to_its_own_chat(client, auth, world, who, url, to):
    auth.login(world.emails[who])
    response = client.get(url)
    assert response.status_code == 302 and response.location == to


def test_another_thread_is_404(client, auth, world, talk):
    auth.login(world.emails["stranger"])
    assert client.get(f"/chat/c/{talk}", headers={"HX-Request": "true"}).status_code == 404
    assert client.get(f"/cabinet/chat?c={talk}").status_code == 404
    auth.logout()
    auth.login(world.emails["doctor_other"])
    assert client.get(f"/chat/?c={talk}").status_code == 404


def test_menu_has_the_chat_for_staff(client, auth, world):
    auth.login(world.emails["doctor"])
    html = client.get("/chat/").get_data(as_text=True)
    assert 'href="/chat/"' in html and "Чат" in html


def test_start_page_never_names_a_patient_the_viewer_may_not_write_to(client, auth, world):
    # «Registered» belongs to branch A and never came to branch B: B's doctor sees neither
    # the name nor whether the id exists.
    auth.login(world.emails["doctor_b"])
    foreign = client.get(f"/chat/?patient={world.patient_ids['registered']}")
    unknown = client.get("/chat/?patient=2147483000")
    for page in (foreign, unknown):
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Registered" not in html and "Чатов" not in html
        assert "Сотрудник может писать пациентам своих филиалов" in html
    assert foreign.get_data(as_text=True) == unknown.get_data(as_text=True).replace(
        "2147483000", str(world.patient_ids["registered"]))


def test_start_page_names_a_patient_without_cabinet_of_the_branch(client, auth, world):
    auth.login(world.emails["reception"])
    html = client.get(f"/chat/?patient={world.patient_ids['no_cabinet']}").get_data(as_text=True)
    assert "Безкабинетный" in html and "нет личного кабинета" in html
