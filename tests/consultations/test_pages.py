"""The staff's consultations pages: inbox filters, the ticket, status change, answer."""
from __future__ import annotations

import re

from sqlalchemy import select

from clinicapp.consultations.models import Ticket, TicketEvent
from clinicapp.extensions import db
from clinicapp.outbox.models import OutboxJob

from ..conftest import csrf_token


def _ticket(client, headers, comment, lang="ru", source="SITE", email="page@firm.uz"):
    response = client.post("/api/consultations/create", headers=headers, json={
        "client": {"email": email}, "consultation": {"comment": comment, "lang": lang},
        "source": source})
    assert response.status_code == 200
    return response.get_json()["consultation"]["cons_id"]


def test_inbox_filters(client, staff_token, web_as):
    _ticket(client, staff_token, "Вопрос про НДС", lang="ru", source="SITE")
    _ticket(client, staff_token, "Savol <b>uz</b>", lang="uz", source="MOBILE")
    web_as("receptionist")
    page = client.get("/consultations/").get_data(as_text=True)
    assert "Вопрос про НДС" in page and "Savol &lt;b&gt;uz&lt;/b&gt;" in page
    only_uz = client.get("/consultations/?lang=uz").get_data(as_text=True)
    assert "Savol" in only_uz and "Вопрос про НДС" not in only_uz
    mobile = client.get("/consultations/?source=MOBILE&status=new").get_data(as_text=True)
    assert "Savol" in mobile and "Вопрос про НДС" not in mobile
    assert "Вопрос про НДС" not in client.get("/consultations/?status=closed").get_data(
        as_text=True)
    assert "Вопрос про НДС" not in client.get("/consultations/?date_to=2000-01-01").get_data(
        as_text=True)
    assert client.get("/consultations/?lang=en").status_code == 400
    assert client.get("/consultations/?date_from=junk").status_code == 400


def test_status_change_and_answer(client, staff_token, web_as):
    cons_id = _ticket(client, staff_token, "Нужен ответ")
    web_as("manager")
    page = client.get(f"/consultations/{cons_id}")
    assert page.status_code == 200 and "Нужен ответ" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    changed = client.post(f"/consultations/{cons_id}/status",
                          data={"csrf_token": token, "status": "pending"})
    assert changed.status_code == 302
    assert db.session.scalar(select(Ticket.status)) == "pending"
    answered = client.post(f"/consultations/{cons_id}/answer",
                           data={"csrf_token": token, "body": "Ответ <script>x</script>"})
    assert answered.status_code == 302
    history = client.get(f"/consultations/{cons_id}").get_data(as_text=True)
    # Only queued, and Chatwoot is not configured in the tests: say so, never «отправлен».
    assert "Ответ сохранён; Chatwoot не настроен — он уйдёт, когда настроят" in history
    assert "отправлен в Chatwoot" not in history
    assert "Ответ &lt;script&gt;x&lt;/script&gt;" in history
    assert "в очереди на отправку" in history
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "answer"))
    job = db.session.scalar(select(OutboxJob).where(OutboxJob.topic == "chatwoot.send_message"))
    assert job.payload == {"event_id": event.id}


def test_an_answer_is_announced_as_queued_when_chatwoot_is_configured(
        client, staff_token, web_as, settings):
    settings(CHATWOOT_BASE_URL="http://127.0.0.1:9", CHATWOOT_API_TOKEN="t",
             CHATWOOT_ACCOUNT_ID="1", CHATWOOT_INBOX_ID="2")
    cons_id = _ticket(client, staff_token, "Нужен ответ")
    web_as("receptionist")
    token = csrf_token(client.get(f"/consultations/{cons_id}").get_data(as_text=True))
    answered = client.post(f"/consultations/{cons_id}/answer", follow_redirects=True,
                           data={"csrf_token": token, "body": "Ответ"})
    page = answered.get_data(as_text=True)
    assert "Ответ сохранён и уйдёт в Chatwoot" in page
    assert "в очереди на отправку" in page


def test_an_empty_answer_is_shown_under_the_text_box(client, staff_token, web_as):
    cons_id = _ticket(client, staff_token, "Нужен ответ")
    web_as("receptionist")
    token = csrf_token(client.get(f"/consultations/{cons_id}").get_data(as_text=True))
    empty = client.post(f"/consultations/{cons_id}/answer",
                        data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 400
    page = empty.get_data(as_text=True)
    assert "body:" not in page
    textarea, after = page.split('<textarea', 1)[1].split('</textarea>', 1)
    assert 'aria-invalid="true"' in textarea
    assert after.lstrip().startswith('<div class="field-error">Напишите ответ</div>')
    assert db.session.query(TicketEvent).filter_by(kind="answer").count() == 0
    too_long = client.post(f"/consultations/{cons_id}/answer",
                           data={"csrf_token": token, "body": "я" * 4001})
    assert too_long.status_code == 400
    assert "я" * 4001 in too_long.get_data(as_text=True), "what was typed is kept"


def test_chat_link_only_for_who_may_write_to_the_patient(
        client, staff_token, patient_world, web_as, make_clinic):
    patient, _ = patient_world
    own, other = make_clinic("Свой"), make_clinic("Чужой")
    patient.clinic_id = own.id
    db.session.commit()
    cons_id = _ticket(client, staff_token, "Пациент спрашивает", email="petr@patient.test")
    web_as("receptionist", branches=[other])
    page = client.get(f"/consultations/{cons_id}").get_data(as_text=True)
    assert "Пациент спрашивает" in page
    assert "/chat/?patient=" not in page and "Написать пациенту в чат" not in page
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    web_as("receptionist", branches=[own])
    page = client.get(f"/consultations/{cons_id}").get_data(as_text=True)
    assert f"/chat/?patient={patient.id}" in page


def test_the_clients_contacts_are_apart(client, staff_token, web_as):
    response = client.post("/api/consultations/create", headers=staff_token, json={
        "client": {"email": "two@firm.uz", "phone_number": "+998901234567"},
        "consultation": {"comment": "Контакты"}})
    cons_id = response.get_json()["consultation"]["cons_id"]
    web_as("receptionist")
    page = client.get(f"/consultations/{cons_id}").get_data(as_text=True)
    assert "<span>two@firm.uz</span> · <span>+998" in page


def test_who_sees_the_pages(client, staff_token, web_as):
    cons_id = _ticket(client, staff_token, "x")
    web_as("cashier")
    assert client.get("/consultations/").status_code == 403
    assert client.get(f"/consultations/{cons_id}").status_code == 403


def _status_messages(cons_id):
    """The e-mail and SMS queued to the patient about the ticket's status."""
    jobs = db.session.scalars(select(OutboxJob).where(
        OutboxJob.topic.in_(("email.send", "sms.send"))).order_by(OutboxJob.id))
    return [job.payload for job in jobs]


def test_the_patient_is_told_the_status_without_the_uuid(
        client, staff_token, patient_world, web_as):
    patient, _ = patient_world
    cons_id = _ticket(client, staff_token, "Когда анализы?", email="petr@patient.test")
    web_as("receptionist")
    token = csrf_token(client.get(f"/consultations/{cons_id}").get_data(as_text=True))
    for status in ("pending", "closed", "other", "new"):
        client.post(f"/consultations/{cons_id}/status",
                    data={"csrf_token": token, "status": status})
    messages = _status_messages(cons_id)
    emails = [m for m in messages if "subject" in m]
    sms = [m["text"] for m in messages if "subject" not in m]
    assert len(emails) == 4 and len(sms) == 4
    for message in emails + [{"subject": text, "text": text} for text in sms]:
        assert cons_id not in message["subject"] and cons_id not in message["text"]
        # No number from 1С:ЦЛ yet, no topic: named by its date, the month in full («8 декабря»).
        assert re.search(r"ваше обращение от \d{1,2} [а-я]+ — ", message["subject"]), message
    assert [m["subject"].rsplit(" — ", 1)[1] for m in emails] == [
        "в очереди на консультацию", "консультация завершена", "статус изменён", "принято"]
    assert "Ваше обращение от " in emails[0]["text"]


def test_the_status_message_names_the_number_then_the_topic(
        client, staff_token, patient_world, web_as):
    response = client.post("/api/consultations/create", headers=staff_token, json={
        "client": {"email": "petr@patient.test"},
        "consultation": {"comment": "Вопрос", "topic": "Анализы крови"}})
    cons_id = response.get_json()["consultation"]["cons_id"]
    web_as("receptionist")
    token = csrf_token(client.get(f"/consultations/{cons_id}").get_data(as_text=True))
    client.post(f"/consultations/{cons_id}/status", data={"csrf_token": token,
                                                          "status": "pending"})
    ticket = db.session.scalar(select(Ticket))
    ticket.number = "ЦЛ-000042"
    db.session.commit()
    client.post(f"/consultations/{cons_id}/status", data={"csrf_token": token,
                                                          "status": "closed"})
    by_topic, by_number = [m for m in _status_messages(cons_id) if "subject" in m]
    assert by_topic["subject"].endswith("ваше обращение «Анализы крови» — "
                                        "в очереди на консультацию")
    assert by_number["subject"].endswith("ваше обращение № ЦЛ-000042 — консультация завершена")
    assert "Тема: Анализы крови" in by_number["text"]


def _fold(page: str) -> str:
    """The opening tag of the inbox's filter fold."""
    return re.search(r"<details[^>]*data-fold-narrow[^>]*>", page).group(0)


def test_inbox_filters_fold_and_status_quick_filters_stay(client, staff_token, web_as):
    _ticket(client, staff_token, "Вопрос про НДС")
    web_as("receptionist")
    page = client.get("/consultations/").get_data(as_text=True)
    assert " open" not in _fold(page), "no filter set: folded on a phone"
    assert "<summary" in page and "Фильтры" in page
    quick = page.split('class="cons-quick"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/consultations/?status=pending"' in quick and "В очереди" in quick
    assert page.index('class="cons-quick"') < page.index("data-fold-narrow")
    only_pending = client.get("/consultations/?status=pending&lang=ru").get_data(as_text=True)
    assert " open" in _fold(only_pending), "a folded filter is set: the fold is open"
    quick = only_pending.split('class="cons-quick"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-current="page">В очереди' in quick
    assert 'href="/consultations/?lang=ru"' in quick, "«Все» keeps the other filters"
    status_only = client.get("/consultations/?status=new").get_data(as_text=True)
    assert " open" not in _fold(status_only), "the status shows in the quick-filters"
    wrong = client.get("/consultations/?date_from=junk")
    assert wrong.status_code == 400 and " open" in _fold(wrong.get_data(as_text=True))
