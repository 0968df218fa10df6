"""The sync through the outbox against loopback Chatwoot and 1С:ЦЛ, and Chatwoot's
webhook: token rules, the status table, an unknown conversation."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from clinicapp.consultations.models import Ticket
from clinicapp.consultations.statuses import from_chatwoot, to_chatwoot
from clinicapp.extensions import db
from clinicapp.outbox.models import OutboxJob

from .stubs import ChatwootStub, OnecClStub

BODY = {"client": {"email": "sync@firm.uz", "phone_number": "+998901234569"},
        "consultation": {"comment": "Нужна консультация", "lang": "uz"}, "source": "SITE"}


@pytest.fixture
def targets(settings):
    with ChatwootStub() as chatwoot, OnecClStub() as onec:
        settings(CHATWOOT_BASE_URL=chatwoot.base_url, CHATWOOT_API_TOKEN="cw-token",
                 CHATWOOT_ACCOUNT_ID="3", CHATWOOT_INBOX_ID="7",
                 ONEC_CL_BASE_URL=onec.base_url, ONEC_CL_USERNAME="cl-user",
                 ONEC_CL_PASSWORD="cl-pass", CHATWOOT_WEBHOOK_TOKEN="hook-secret")
        yield chatwoot, onec


def _create(client, headers) -> dict:
    response = client.post("/api/consultations/create", json=BODY, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["consultation"]


def _jobs():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def _make_due():
    db.session.execute(update(OutboxJob).values(
        not_before=func.now() - text("interval '1 second'")))
    db.session.commit()


def test_created_ticket_is_synced_once_and_keeps_its_cons_id(client, staff_token, targets,
                                                             deliver_once):
    chatwoot, onec = targets
    ticket = _create(client, staff_token)
    assert {job.topic for job in _jobs()} == {"chatwoot.sync_ticket", "onec_cl.sync_ticket"}
    assert "Доставлено: 2" in deliver_once()
    assert "Доставлено: 0" in deliver_once()
    assert len(chatwoot.contacts) == 1 and len(chatwoot.conversations) == 1
    assert chatwoot.conversations[0]["message"] == {"content": "Нужна консультация"}
    assert len(onec.documents) == 1
    assert onec.documents[0]["ИдентификаторКонсультации"] == ticket["cons_id"]
    after = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert after["cons_id"] == ticket["cons_id"]  # stable
    conversation_id = chatwoot.conversations[0]["id"]
    assert after["chatwoot_conversation_id"] == conversation_id
    assert after["number"] == onec.documents[0]["Number"]
    assert after["cl_ref_key"] == onec.documents[0]["Ref_Key"]
    by_conversation = client.get(f"/api/tickets/{conversation_id}", headers=staff_token)
    assert by_conversation.get_json()["cons_id"] == ticket["cons_id"]
    # A second ticket of the same client finds the Chatwoot contact instead of a new one.
    _create(client, staff_token)
    deliver_once()
    assert len(chatwoot.contacts) == 1 and len(chatwoot.conversations) == 2


def test_retried_after_the_targets_come_back(client, staff_token, targets, deliver_once):
    chatwoot, onec = targets
    chatwoot.down = onec.down = True
    ticket = _create(client, staff_token)
    assert "ошибок: 2" in deliver_once()
    assert {(job.status, job.attempts) for job in _jobs()} == {("queued", 1)}
    assert all("503" in job.last_error for job in _jobs())
    chatwoot.down = onec.down = False
    _make_due()
    assert "Доставлено: 2" in deliver_once()
    after = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert after["chatwoot_conversation_id"] and after["number"]
    assert len(chatwoot.conversations) == 1 and len(onec.documents) == 1


def test_unconfigured_targets_wait(client, staff_token, settings, deliver_once):
    settings(CHATWOOT_BASE_URL="", ONEC_CL_BASE_URL="")
    ticket = _create(client, staff_token)
    deliver_once()
    jobs = _jobs()
    assert {(job.status, job.attempts) for job in jobs} <= {("queued", 0), ("waiting", 0)}
    assert all("unset" in (job.last_error or "") for job in jobs)
    got = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert got["number"] is None and got["chatwoot_conversation_id"] is None


def test_status_table():
    assert {status: from_chatwoot(status) for status in
            ("open", "pending", "resolved", "snoozed", "bot", None)} == {
        "open": "new", "pending": "pending", "resolved": "closed", "snoozed": "pending",
        "bot": "other", None: "other"}
    assert {status: to_chatwoot(status) for status in ("new", "pending", "closed", "other")} \
        == {"new": "open", "pending": "pending", "closed": "resolved", "other": "open"}


def _hook(client, payload, token="hook-secret"):
    url = "/api/integrations/chatwoot/webhook" + (f"?token={token}" if token is not None else "")
    return client.post(url, json=payload)


def test_webhook_token_rules(client, targets):
    payload = {"event": "conversation_status_changed", "id": 1, "status": "resolved"}
    assert _hook(client, payload, token=None).status_code == 401
    assert _hook(client, payload, token="wrong").status_code == 403
    assert _hook(client, payload).status_code == 200


def test_webhook_without_a_configured_token_refuses(client, settings):
    settings(CHATWOOT_WEBHOOK_TOKEN="")
    assert _hook(client, {"event": "conversation_status_changed"}, token="x").status_code == 403


def _status_event(event: str, conversation_id: int, status: str, previous="open") -> dict:
    """A webhook as Chatwoot sends it: `conversation_updated` names what changed."""
    payload = {"event": event, "id": conversation_id, "status": status}
    if event == "conversation_updated":
        payload["changed_attributes"] = [
            {"status": {"previous_value": previous, "current_value": status}}]
    return payload


TABLE = (("resolved", "closed"), ("snoozed", "pending"), ("open", "new"), ("weird", "other"))


@pytest.mark.parametrize("order", [TABLE, TABLE[::-1]], ids=["forward", "backward"])
@pytest.mark.parametrize("event", ["conversation_status_changed", "conversation.status_changed",
                                   "conversation_updated"])
def test_webhook_changes_the_status_through_the_table(client, staff_token, targets,
                                                      deliver_once, event, order):
    """Each of Chatwoot's statuses maps through the table whatever came before it."""
    ticket = _create(client, staff_token)
    deliver_once()
    conversation_id = db.session.scalar(select(Ticket.chatwoot_conversation_id))
    for chatwoot_status, ours in order:
        response = _hook(client, _status_event(event, conversation_id, chatwoot_status))
        assert response.status_code == 200
        got = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
        assert got["status"] == ours, (chatwoot_status, got["status"])
    closed = _hook(client, {**_status_event(event, conversation_id, "resolved"),
                            "id": None, "conversation": {"id": conversation_id,
                                                         "status": "resolved"}})
    assert closed.get_json()["status"] == "closed"
    assert client.get(f"/api/tickets/{ticket['cons_id']}",
                      headers=staff_token).get_json()["end_date"] is not None


def test_webhook_unknown_conversation_is_ignored(client, targets):
    response = _hook(client, {"event": "conversation_status_changed", "id": 999999,
                              "status": "resolved"})
    assert response.status_code == 200 and response.get_json()["status"] is None
    assert _hook(client, {"event": "message_created", "id": 1}).status_code == 200


def test_a_staff_answer_reaches_the_conversation_once(client, staff_token, targets,
                                                      deliver_once, web_as):
    from ..conftest import csrf_token

    chatwoot, _ = targets
    ticket = _create(client, staff_token)
    web_as("receptionist")
    page = client.get(f"/consultations/{ticket['cons_id']}").get_data(as_text=True)
    client.post(f"/consultations/{ticket['cons_id']}/answer",
                data={"csrf_token": csrf_token(page), "body": "Ответ клиенту"})
    deliver_once()
    _make_due()  # the answer may have waited for the conversation
    deliver_once()
    assert [m["content"] for m in chatwoot.messages] == ["Ответ клиенту"]
    assert chatwoot.messages[0]["message_type"] == "outgoing"
    assert chatwoot.messages[0]["conversation_id"] == chatwoot.conversations[0]["id"]
    deliver_once()
    assert len(chatwoot.messages) == 1
    assert "доставлен в Chatwoot" in client.get(
        f"/consultations/{ticket['cons_id']}").get_data(as_text=True)


def test_a_patient_hears_of_a_status_change_once_in_their_language(
        client, patient_world, targets, deliver_once):
    patient, headers = patient_world
    patient.language = "en"
    db.session.commit()
    body = {"client": {"email": "petr@patient.test"},
            "consultation": {"comment": "When is my result ready?"}, "source": "CABINET"}
    created = client.post("/api/consultations/create", json=body, headers=headers)
    assert created.status_code == 200, created.get_json()
    deliver_once()
    conversation_id = db.session.scalar(select(Ticket.chatwoot_conversation_id))
    hook = {"event": "conversation_status_changed", "id": conversation_id, "status": "resolved"}
    assert _hook(client, hook).status_code == 200
    assert _hook(client, hook).status_code == 200  # replayed: no second change, no second note
    notes = [job for job in _jobs() if job.topic in ("email.send", "sms.send")]
    assert sorted(job.topic for job in notes) == ["email.send", "sms.send"]
    email = next(job for job in notes if job.topic == "email.send").payload
    assert email["to"] == "petr@patient.test"
    assert email["subject"].endswith("consultation completed")
    assert "When is my result" not in email["text"]


@pytest.mark.parametrize("lost", [("POST", "/contacts"), ("POST", "/conversations")])
def test_a_lost_chatwoot_answer_opens_no_second_conversation(client, staff_token, targets,
                                                             deliver_once, lost):
    chatwoot, _ = targets
    chatwoot.lose_answers.append(lost)  # Chatwoot did it, our worker never heard back
    ticket = _create(client, staff_token)
    deliver_once()
    assert len(chatwoot.contacts) == 1
    job = next(job for job in _jobs() if job.topic == "chatwoot.sync_ticket")
    assert (job.status, job.attempts) == ("queued", 1)
    assert "ConnectionError" in job.last_error
    _make_due()
    assert "Доставлено: 1" in deliver_once()
    assert len(chatwoot.contacts) == 1 and len(chatwoot.conversations) == 1
    conversation = chatwoot.conversations[0]
    assert conversation["custom_attributes"]["cons_id"] == ticket["cons_id"]
    assert conversation["additional_attributes"] == {"cons_id": ticket["cons_id"]}
    after = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert after["chatwoot_conversation_id"] == conversation["id"]


def test_a_lost_onec_answer_posts_no_second_document(client, staff_token, targets,
                                                     deliver_once):
    _, onec = targets
    onec.lose_answers.append(("POST", "/Document_ОбращениеКлиента"))
    ticket = _create(client, staff_token)
    deliver_once()
    assert len(onec.documents) == 1
    job = next(job for job in _jobs() if job.topic == "onec_cl.sync_ticket")
    assert (job.status, job.attempts) == ("queued", 1)
    _make_due()
    assert "Доставлено: 1" in deliver_once()
    assert len(onec.documents) == 1
    document = onec.documents[0]
    filters = [path for method, path, _ in onec.requests if method == "GET"]
    assert len(filters) == 2  # looked up before each POST; the second found it
    after = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert (after["cl_ref_key"], after["number"]) == (document["Ref_Key"], document["Number"])


def test_a_found_contact_gets_a_new_conversation_per_ticket(client, staff_token, targets,
                                                            deliver_once):
    """Reuse is by cons_id only: another ticket of the same contact opens its own."""
    chatwoot, _ = targets
    first, second = _create(client, staff_token), _create(client, staff_token)
    deliver_once()
    assert len(chatwoot.contacts) == 1 and len(chatwoot.conversations) == 2
    marks = {c["custom_attributes"]["cons_id"] for c in chatwoot.conversations}
    assert marks == {first["cons_id"], second["cons_id"]}


def _staff_sets(client, cons_id, *statuses):
    from ..conftest import csrf_token

    token = csrf_token(client.get(f"/consultations/{cons_id}").get_data(as_text=True))
    for status in statuses:
        response = client.post(f"/consultations/{cons_id}/status",
                               data={"csrf_token": token, "status": status})
        assert response.status_code == 302


def _status_jobs():
    return [job for job in _jobs() if job.topic == "chatwoot.set_status"]


def test_a_staff_status_change_reaches_chatwoot_and_no_echo_comes_back(
        client, staff_token, targets, deliver_once, web_as):
    chatwoot, _ = targets
    ticket = _create(client, staff_token)
    deliver_once()
    conversation = chatwoot.conversations[0]
    web_as("receptionist")
    _staff_sets(client, ticket["cons_id"], "closed")
    assert [job.payload["ticket_id"] for job in _status_jobs()] == [
        db.session.scalar(select(Ticket.id))]
    assert "Доставлено: 1" in deliver_once()
    assert chatwoot.toggles == [(conversation["id"], "resolved")]
    assert conversation["status"] == "resolved"
    # Chatwoot reports our own change back: nothing changes, nothing is queued.
    assert _hook(client, {"event": "conversation_status_changed", "id": conversation["id"],
                          "status": "resolved"}).get_json()["status"] == "closed"
    # "other" is shown as open; its echo must not turn the ticket into "new".
    _staff_sets(client, ticket["cons_id"], "other")
    deliver_once()
    assert chatwoot.toggles[-1] == (conversation["id"], "open")
    echo = _hook(client, {"event": "conversation_status_changed", "id": conversation["id"],
                          "status": "open"})
    assert echo.get_json()["status"] == "other"
    # A change made in Chatwoot is applied here and not sent back.
    jobs_before = len(_status_jobs())
    assert _hook(client, {"event": "conversation_status_changed", "id": conversation["id"],
                          "status": "pending"}).get_json()["status"] == "pending"
    assert len(_status_jobs()) == jobs_before
    deliver_once()
    assert len(chatwoot.toggles) == 2


def test_a_status_change_waits_for_the_conversation(client, staff_token, targets,
                                                   deliver_once, web_as):
    chatwoot, _ = targets
    chatwoot.lose_answers.append(("POST", "/conversations"))  # the sync must retry
    ticket = _create(client, staff_token)
    web_as("receptionist")
    _staff_sets(client, ticket["cons_id"], "pending")
    deliver_once()
    job = _status_jobs()[0]
    assert (job.status, job.attempts) == ("queued", 1)
    assert "not created yet" in job.last_error
    assert chatwoot.toggles == []
    _make_due()
    deliver_once()
    assert [job.status for job in _status_jobs()] == ["delivered"]
    assert chatwoot.toggles == [(chatwoot.conversations[0]["id"], "pending")]


def test_only_the_latest_of_quick_status_changes_is_sent(client, staff_token, targets,
                                                         deliver_once, web_as):
    chatwoot, _ = targets
    ticket = _create(client, staff_token)
    deliver_once()
    web_as("manager")
    _staff_sets(client, ticket["cons_id"], "pending", "closed")
    assert len(_status_jobs()) == 2
    deliver_once()
    assert {job.status for job in _status_jobs()} == {"delivered"}
    assert chatwoot.toggles == [(chatwoot.conversations[0]["id"], "resolved")]


def test_a_genuine_reopen_of_an_other_ticket_makes_it_new(client, staff_token, targets,
                                                         deliver_once):
    """Chatwoot says "weird" (ours: other), then "open": that is a reopen, not an echo."""
    ticket = _create(client, staff_token)
    deliver_once()
    conversation_id = db.session.scalar(select(Ticket.chatwoot_conversation_id))
    for status in ("weird", "open"):
        _hook(client, _status_event("conversation_status_changed", conversation_id, status))
    got = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert got["status"] == "new"


def test_an_echo_is_recognized_only_shortly_after_our_push(client, staff_token, targets,
                                                         deliver_once, web_as):
    chatwoot, _ = targets
    ticket = _create(client, staff_token)
    deliver_once()
    conversation_id = chatwoot.conversations[0]["id"]
    web_as("receptionist")
    _staff_sets(client, ticket["cons_id"], "other")
    deliver_once()
    assert chatwoot.toggles == [(conversation_id, "open")]
    # Long after our push, an "open" from Chatwoot is an agent reopening it.
    db.session.execute(update(Ticket).values(
        chatwoot_pushed_at=func.now() - text("interval '1 hour'")))
    db.session.commit()
    answer = _hook(client, _status_event("conversation_status_changed", conversation_id, "open"))
    assert answer.get_json()["status"] == "new"


def test_an_update_that_did_not_change_the_status_changes_nothing(client, staff_token, targets,
                                                                  deliver_once):
    """An assignee or label change carries the conversation's current status: ignored."""
    ticket = _create(client, staff_token)
    deliver_once()
    conversation_id = db.session.scalar(select(Ticket.chatwoot_conversation_id))
    _hook(client, _status_event("conversation_status_changed", conversation_id, "pending"))
    for changed in ([{"assignee_id": {"previous_value": None, "current_value": 4}}], [], None):
        payload = {"event": "conversation_updated", "id": conversation_id, "status": "open",
                   "changed_attributes": changed}
        assert _hook(client, payload).status_code == 200
    got = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert got["status"] == "pending"


def test_a_queued_staff_change_is_not_undone_by_the_webhook(client, staff_token, targets,
                                                           deliver_once, web_as):
    """Until our staff change reached Chatwoot, its webhooks still show the old status."""
    chatwoot, _ = targets
    ticket = _create(client, staff_token)
    deliver_once()
    conversation_id = chatwoot.conversations[0]["id"]
    web_as("receptionist")
    _staff_sets(client, ticket["cons_id"], "closed")
    for event in ("conversation_status_changed", "conversation_updated"):
        stale = _hook(client, _status_event(event, conversation_id, "pending"))
        assert stale.get_json()["status"] == "closed"
    deliver_once()
    assert chatwoot.toggles == [(conversation_id, "resolved")]
    got = client.get(f"/api/tickets/{ticket['cons_id']}", headers=staff_token).get_json()
    assert got["status"] == "closed"
    # Once it was pushed, Chatwoot's own changes apply again.
    later = _hook(client, _status_event("conversation_status_changed", conversation_id,
                                        "pending"))
    assert later.get_json()["status"] == "pending"


def test_a_lost_answer_from_chatwoot_posts_the_staff_answer_once(client, staff_token, targets,
                                                                 deliver_once, web_as):
    """Chatwoot stored the message, our worker never heard: the retry finds it by its
    marker among the conversation's messages instead of posting it again."""
    from ..conftest import csrf_token

    chatwoot, _ = targets
    ticket = _create(client, staff_token)
    deliver_once()
    web_as("receptionist")
    page = client.get(f"/consultations/{ticket['cons_id']}").get_data(as_text=True)
    client.post(f"/consultations/{ticket['cons_id']}/answer",
                data={"csrf_token": csrf_token(page), "body": "Ответ один раз"})
    conversation_id = chatwoot.conversations[0]["id"]
    chatwoot.lose_answers.append(("POST", f"/conversations/{conversation_id}/messages"))
    deliver_once()
    job = next(job for job in _jobs() if job.topic == "chatwoot.send_message")
    assert (job.status, job.attempts) == ("queued", 1)
    _make_due()
    assert "Доставлено: 1" in deliver_once()
    assert [m["content"] for m in chatwoot.messages] == ["Ответ один раз"]
    assert "доставлен в Chatwoot" in client.get(
        f"/consultations/{ticket['cons_id']}").get_data(as_text=True)


def _refresh(app, onec, settings, catalog):
    settings(ONEC_CL_BASE_URL=onec.base_url, ONEC_CL_USERNAME="cl-user",
             ONEC_CL_PASSWORD="cl-pass")
    onec.catalog = catalog
    return app.test_cli_runner().invoke(args=["sync-question-directory"])


def test_an_empty_catalog_is_refused_and_a_deleted_directory_checks_nothing(
        app, client, staff_token, settings):
    """1С:ЦЛ answering an empty catalog is taken for a failure (the directory is kept);
    a directory whose every row is marked deleted is empty: any key passes."""
    import uuid as uuid_module

    from clinicapp.consultations.models import Question, QuestionCategory

    db.session.execute(db.delete(Question))
    db.session.execute(db.delete(QuestionCategory))
    db.session.commit()
    folder, item = str(uuid_module.uuid4()), str(uuid_module.uuid4())
    catalog = [{"Ref_Key": folder, "Description": "Налоги", "IsFolder": True,
                "Parent_Key": "00000000-0000-0000-0000-000000000000", "DeletionMark": False},
               {"Ref_Key": item, "Description": "НДС", "IsFolder": False, "Parent_Key": folder,
                "DeletionMark": False}]
    body = {"client": {"email": "dir@firm.uz"}, "consultation": {
        "comment": "x", "online_question_cat": folder, "online_question": item}}
    with OnecClStub() as onec:
        assert _refresh(app, onec, settings, catalog).exit_code == 0
        empty = _refresh(app, onec, settings, [])
        assert empty.exit_code != 0 and "empty" in empty.output
        # The directory is kept: its keys pass, others are refused.
        assert client.post("/api/consultations/create", json=body,
                           headers=staff_token).status_code == 200
        unknown = {**body, "consultation": {**body["consultation"],
                                            "online_question": str(uuid_module.uuid4())}}
        assert client.post("/api/consultations/create", json=unknown,
                           headers=staff_token).status_code == 400
        # Every entry marked deleted in 1C: nothing live is left, so nothing is checked.
        deleted = [{**entry, "DeletionMark": True} for entry in catalog]
        assert _refresh(app, onec, settings, deleted).exit_code == 0
        assert client.post("/api/consultations/create", json=unknown,
                           headers=staff_token).status_code == 200


@pytest.fixture
def almaty_sessions(app):
    """The database session runs in Asia/Almaty (UTC+5), as on a server whose default
    zone is not UTC: datetimes come back with +05:00. (Each test runs in one connection
    whose outer transaction is rolled back afterwards, taking the setting with it.)"""
    db.session.execute(text("SET TIME ZONE 'Asia/Almaty'"))
    yield


def test_dates_reach_1c_in_utc_whatever_the_sessions_zone(client, staff_token, targets,
                                                         deliver_once, almaty_sessions):
    _, onec = targets
    body = {**BODY, "consultation": {**BODY["consultation"],
                                     "scheduled_at": "2025-12-01T10:00:00Z"}}
    assert client.post("/api/consultations/create", json=body,
                       headers=staff_token).status_code == 200
    assert db.session.scalar(text("SHOW TIME ZONE")) == "Asia/Almaty"
    deliver_once()
    assert onec.documents[0]["ДатаНачала"] == "2025-12-01T10:00:00"
