"""The outbox through its public surface: enqueue in a transaction, `outbox-worker --once`,
the database rows, and /admin/outbox."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from clinicapp.extensions import db
from clinicapp.outbox import enqueue
from clinicapp.outbox.models import OutboxJob

from ..conftest import csrf_token


def _jobs() -> list[OutboxJob]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def _make_due() -> None:
    """Time passes: every waiting retry is due now."""
    db.session.execute(update(OutboxJob).values(not_before=func.now() - text("interval '1 second'")))
    db.session.commit()


def test_a_job_exists_only_when_its_transaction_commits(app, http_topic):
    enqueue(http_topic, {"n": 1})
    db.session.rollback()
    assert _jobs() == []
    enqueue(http_topic, {"n": 2})
    db.session.commit()
    assert [job.payload for job in _jobs()] == [{"n": 2}]


def test_the_same_key_queues_one_job(app, http_topic):
    first = enqueue(http_topic, {"n": 1}, key="appointment:7")
    again = enqueue(http_topic, {"n": 1}, key="appointment:7")
    other_topic = enqueue("tests.other", {"n": 1}, key="appointment:7")
    db.session.commit()
    assert first.id == again.id != other_topic.id
    assert len(_jobs()) == 2


def test_a_payload_json_cannot_carry_fails_in_the_caller(app, http_topic):
    with pytest.raises(TypeError):
        enqueue(http_topic, {"when": object()})


def test_delivered_once(app, http_topic, target, deliver_once):
    enqueue(http_topic, {"ticket": 1})
    enqueue(http_topic, {"ticket": 2})
    db.session.commit()
    assert "Доставлено: 2" in deliver_once()
    assert "Доставлено: 0" in deliver_once()  # nothing is sent twice
    assert target.received == [{"ticket": 1}, {"ticket": 2}]
    assert {(job.status, job.attempts) for job in _jobs()} == {("delivered", 0)}
    assert all(job.delivered_at is not None for job in _jobs())


def test_retried_with_growing_delays_until_the_target_is_back(app, http_topic, target,
                                                              deliver_once):
    target.failing = True
    enqueue(http_topic, {"ticket": 1})
    db.session.commit()
    assert "ошибок: 1" in deliver_once()
    job = _jobs()[0]
    assert (job.status, job.attempts) == ("queued", 1)
    assert "HTTPError" in job.last_error and "503" in job.last_error
    first_wait = db.session.scalar(select(OutboxJob.not_before - func.now()))
    assert 25 <= first_wait.total_seconds() <= 30  # OUTBOX_RETRY_SECONDS
    assert "Доставлено: 0, ошибок: 0" in deliver_once()  # not due yet: left alone

    _make_due()
    deliver_once()
    second_wait = db.session.scalar(select(OutboxJob.not_before - func.now()))
    assert 55 <= second_wait.total_seconds() <= 60  # doubled

    target.failing = False
    _make_due()
    assert "Доставлено: 1" in deliver_once()
    job = _jobs()[0]
    assert (job.status, job.attempts, job.last_error) == ("delivered", 2, None)
    assert target.received == [{"ticket": 1}]


def test_a_target_without_settings_waits_without_spending_attempts(app, http_topic, target,
                                                                  deliver_once, web_as,
                                                                  client):
    enqueue(http_topic, {"configured": False})
    db.session.commit()
    assert "ждут настроек: 1" in deliver_once()
    job = _jobs()[0]
    assert (job.status, job.attempts) == ("queued", 0)
    assert "TESTS_TARGET_URL unset" in job.last_error
    assert target.received == []
    web_as("admin")
    html = client.get("/admin/outbox/?state=unconfigured").get_data(as_text=True)
    assert "Ждёт настроек · 1" in html and "Не настроено: TESTS_TARGET_URL unset" in html
    assert "Ждёт повтора · 0" in html


def test_a_topic_nobody_delivers_waits(app, deliver_once):
    enqueue("tests.nobody", {"n": 1})
    db.session.commit()
    deliver_once()
    job = _jobs()[0]
    assert job.status == "queued" and "no handler" in job.last_error


@pytest.fixture
def three_attempts(app):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    yield
    app.config["OUTBOX_MAX_ATTEMPTS"] = 10


def test_dead_letter_then_requeued_by_the_administrator(app, http_topic, target, deliver_once,
                                                        three_attempts, web_as, client):
    target.failing = True
    enqueue(http_topic, {"ticket": 9})
    db.session.commit()
    for _ in range(3):
        _make_due()
        deliver_once()
    job = _jobs()[0]
    assert (job.status, job.attempts) == ("dead", 3)
    _make_due()
    assert "Доставлено: 0, ошибок: 0" in deliver_once()  # the dead are left alone

    web_as("admin")
    page = client.get("/admin/outbox/?state=dead")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Test target" in html and "Не доставлено · 1" in html and "503" in html
    answer = client.post(f"/admin/outbox/{job.id}/requeue",
                         data={"csrf_token": csrf_token(html)})
    assert answer.status_code == 302
    job = _jobs()[0]
    assert (job.status, job.attempts) == ("queued", 0)

    target.failing = False
    assert "Доставлено: 1" in deliver_once()
    assert target.received == [{"ticket": 9}]


def test_requeue_every_dead_job_of_a_topic(app, http_topic, deliver_once, web_as, client):
    for n in range(3):
        enqueue(http_topic, {"n": n})
    db.session.commit()
    db.session.execute(update(OutboxJob).values(status="dead", attempts=10))
    db.session.commit()
    web_as("admin")
    html = client.get(f"/admin/outbox/?topic={http_topic}").get_data(as_text=True)
    answer = client.post("/admin/outbox/requeue-dead", follow_redirects=True,
                         data={"csrf_token": csrf_token(html), "topic": http_topic})
    assert "Снова в очереди: 3" in answer.get_data(as_text=True)
    assert {job.status for job in _jobs()} == {"queued"}


def test_a_delivered_job_is_not_sent_again(app, http_topic, deliver_once, web_as, client):
    job = enqueue(http_topic, {"n": 1})
    db.session.commit()
    deliver_once()
    web_as("admin")
    html = client.get("/admin/outbox/").get_data(as_text=True)
    answer = client.post(f"/admin/outbox/{job.id}/requeue", data={"csrf_token": csrf_token(html)})
    assert answer.status_code == 409
    assert _jobs()[0].status == "delivered"


def test_the_page_escapes_what_a_job_carries(app, http_topic, web_as, client):
    enqueue(http_topic, {"topic": "<script>alert(1)</script>"})
    db.session.commit()
    web_as("admin")
    html = client.get("/admin/outbox/").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("role", ["manager", "receptionist", "cashier", "doctor"])
def test_only_administrators_see_the_outbox(role, web_as, client):
    web_as(role)
    assert client.get("/admin/outbox/").status_code == 403
    assert client.post("/admin/outbox/requeue-dead").status_code in (400, 403)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/outbox/").status_code == 302


def test_the_page_masks_addresses_and_leaves_texts_out(app, http_topic, web_as, client):
    enqueue(http_topic, {"to": "petr.petrov@example.test", "phone": "+79161234567",
                         "subject": "Напоминание о приёме", "text": "Пётр, завтра в 09:00",
                         "ticket_id": 5})
    db.session.commit()
    web_as("admin")
    html = client.get("/admin/outbox/").get_data(as_text=True)
    assert "petr.petrov" not in html and "+79161234567" not in html
    assert "p…@example.test" in html and "…67" in html
    assert "Напоминание о приёме" not in html and "завтра в 09:00" not in html
    assert "(скрыто, 20 симв.)" in html and "&#34;ticket_id&#34;: 5" in html


def test_requeue_goes_back_only_to_a_page_of_this_site(app, http_topic, web_as, client):
    job = enqueue(http_topic, {"n": 1})
    db.session.commit()
    db.session.execute(update(OutboxJob).values(status="dead"))
    db.session.commit()
    web_as("admin")
    token = csrf_token(client.get("/admin/outbox/").get_data(as_text=True))
    away = client.post(f"/admin/outbox/{job.id}/requeue",
                       data={"csrf_token": token, "next": "https://evil.example/"})
    assert away.headers["Location"] == "/admin/outbox/"
    db.session.execute(update(OutboxJob).values(status="dead"))
    db.session.commit()
    back = client.post(f"/admin/outbox/{job.id}/requeue",
                       data={"csrf_token": token, "next": "/admin/outbox/?state=dead"})
    assert back.headers["Location"] == "/admin/outbox/?state=dead"


def test_old_delivered_jobs_are_purged_by_the_scheduler(app, http_topic, target, deliver_once):
    for n in range(3):
        enqueue(http_topic, {"n": n})
    db.session.commit()
    deliver_once()
    enqueue(http_topic, {"n": "dead"})
    db.session.commit()
    old, recent = (job.id for job in _jobs()[:2])
    db.session.execute(update(OutboxJob).where(OutboxJob.id == old).values(
        delivered_at=func.now() - text("interval '31 days'")))
    db.session.execute(update(OutboxJob).where(OutboxJob.topic == http_topic,
                                               OutboxJob.status == "queued").values(
        status="dead", created_at=func.now() - text("interval '90 days'")))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["scheduler", "--job", "purge-outbox"])
    assert "старше 30 дн.: 1" in result.output, result.output
    left = {job.id for job in _jobs()}
    assert old not in left and recent in left and len(left) == 3  # the dead one stays
