"""«Подтвердить на завтра»: tomorrow's unconfirmed appointments of a branch (its own clock),
by time, with phones to call; one click confirms, a reason cancels, both through the status
service, the row answered in place with the header's count; who may see and act."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.org.clock import branch_today
from clinicapp.scheduling.models import Appointment
from tests.conftest import csrf_token
from tests.scheduling.conftest import ALMATY, at

URL = "/calendar/confirm"


@pytest.fixture
def tomorrow(world):
    return branch_today(world.a) + timedelta(days=1)


@pytest.fixture
def desk_page(client, world, web_as):
    return web_as("receptionist", branches=[world.a])


@pytest.fixture
def post(client, desk_page):
    """post(url, data, htmx=True): a form post with the page's CSRF token."""
    token = csrf_token(client.get(URL).get_data(as_text=True))

    def send(url: str, data: dict | None = None, htmx: bool = True):
        headers = {"HX-Request": "true"} if htmx else {}
        return client.post(url, data={"csrf_token": token, **(data or {})}, headers=headers)

    return send


def fresh(appointment_id: int) -> Appointment:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id)


def audit(action: str, appointment: Appointment) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_id == str(appointment.id))))


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="confirm-(\d+)"', html)]


def test_tomorrows_unconfirmed_by_time_with_phones(client, world, desk_page, tomorrow,
                                                   add_appointment):
    world.patient.phone = "+79161234567"
    db.session.commit()
    noon = add_appointment(at(tomorrow, "12:00"), patient=world.patient2,
                           doctor=world.other_doctor)
    morning = add_appointment(at(tomorrow, "09:00"), service=world.service)
    # Just after midnight on the branch's clock is tomorrow (the evening before in UTC) …
    early = add_appointment(at(tomorrow, "00:30"), patient=world.patient2)
    # … and just before it is today.
    add_appointment(at(tomorrow - timedelta(days=1), "23:30"), patient=world.patient2)
    add_appointment(at(tomorrow, "10:00"), status="confirmed")
    add_appointment(at(tomorrow, "11:00"), status="cancelled")
    add_appointment(at(tomorrow + timedelta(days=1), "09:00"))
    add_appointment(at(tomorrow, "09:00", ALMATY), clinic=world.b)  # another branch

    response = client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids(html) == [early.id, morning.id, noon.id]
    assert "Не подтвердили: 3" in html and tomorrow.strftime("%d.%m.%Y") in html
    morning_row = html[html.index(f'id="confirm-{morning.id}"'):
                       html.index(f'id="confirm-{noon.id}"')]
    assert 'href="tel:+79161234567"' in morning_row and "+7 916 123-45-67" in morning_row
    assert "Пациентов Пётр" in morning_row and "Докторов Иван Петрович" in morning_row
    assert world.service.name in morning_row and "09:00–09:30" in morning_row
    assert "Другов Иван Петрович" in html and "нет телефона" in html
    assert html.count(">Подтвердил</button>") == 3 and "Отменить запись" in html
    assert 'data-autosubmit' not in html  # one branch: no switcher


def test_the_branch_is_chosen_and_its_own_clock_decides_tomorrow(client, world, web_as,
                                                                 add_appointment):
    web_as("receptionist", branches=[world.a, world.b])
    almaty_tomorrow = branch_today(world.b) + timedelta(days=1)
    theirs = add_appointment(at(almaty_tomorrow, "00:15", ALMATY), clinic=world.b)
    html = client.get(f"{URL}?branch={world.b.id}").get_data(as_text=True)
    assert row_ids(html) == [theirs.id] and "Клиника в Алматы" in html
    assert "00:15–00:45" in html  # Almaty's clock
    assert 'name="branch"' in html and 'data-autosubmit' in html  # two branches: a switcher
    assert row_ids(client.get(URL).get_data(as_text=True)) == []


def test_one_click_confirms_and_the_row_answers_in_place(client, world, post, tomorrow,
                                                          add_appointment, desk_page):
    first = add_appointment(at(tomorrow, "09:00"))
    add_appointment(at(tomorrow, "10:00"), patient=world.patient2)
    response = post(f"{URL}/{first.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert row_ids(html) == [first.id] and "confirm-confirmed" in html
    assert "Подтвердил: Пациентов П." in html and ">Подтвердил</button>" not in html
    # The header's count, out of band.
    assert re.search(r'id="confirm-count"[^>]*hx-swap-oob="true"[^>]*>Не подтвердили: 1<',
                     html)
    assert fresh(first.id).status == "confirmed"
    [entry] = audit("appointment.status_changed", first)
    assert entry.actor_id == desk_page.id and entry.changes["status"] == ["booked", "confirmed"]
    # The page no longer lists it.
    assert first.id not in row_ids(client.get(URL).get_data(as_text=True))


def test_without_javascript_the_click_is_a_post_back_to_the_page(client, world, post, tomorrow,
                                                                 add_appointment):
    appointment = add_appointment(at(tomorrow, "09:00"))
    response = post(f"{URL}/{appointment.id}", htmx=False)
    assert response.status_code == 302
    assert response.location == f"{URL}?branch={world.a.id}"
    assert fresh(appointment.id).status == "confirmed"
    assert "Подтвердил: Пациентов П." in client.get(response.location).get_data(as_text=True)


def test_cancel_with_a_reason_through_the_calendars_cancel(client, world, post, tomorrow,
                                                           add_appointment):
    appointment = add_appointment(at(tomorrow, "09:00"))
    response = post(f"{URL}/{appointment.id}/cancel", {"reason": "Пациент не может прийти"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "confirm-cancelled" in html
    assert "Отменена" in html and "Причина: Пациент не может прийти" in html
    assert "Отменить запись" not in html and "Все подтвердили" in html
    row = fresh(appointment.id)
    assert row.status == "cancelled" and row.cancel_reason == "Пациент не может прийти"
    [entry] = audit("appointment.cancelled", appointment)
    assert entry.changes == {"status": ["booked", "cancelled"],
                             "reason": "Пациент не может прийти"}


def test_a_refusal_is_told_in_the_row_and_changes_nothing(client, world, post, tomorrow,
                                                          add_appointment):
    gone = add_appointment(at(tomorrow, "09:00"), status="cancelled")
    response = post(f"{URL}/{gone.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and row_ids(html) == [gone.id]
    assert 'role="alert"' in html and "«Отменена»" in html
    assert fresh(gone.id).status == "cancelled"
    too_long = post(f"{URL}/{gone.id}/cancel", {"reason": "x" * 300})
    html = too_long.get_data(as_text=True)
    assert too_long.status_code == 400 and ">Не длиннее 255 символов<" in html
    assert "reason:" not in html  # people's words, not the field's name
    booked = add_appointment(at(tomorrow, "10:00"))
    assert post(f"{URL}/{booked.id}/cancel", {"reason": "x" * 300}).status_code == 400
    assert fresh(booked.id).status == "booked"


def test_who_may_see_and_act(client, world, web_as, auth, tomorrow, add_appointment):
    appointment = add_appointment(at(tomorrow, "09:00"))
    assert client.get(URL).status_code == 302  # sign in first
    web_as("doctor", branches=[world.a])
    html = client.get(URL).get_data(as_text=True)
    assert row_ids(html) == [appointment.id] and ">Подтвердил</button>" not in html
    assert 'href="/calendar/confirm"' not in client.get("/", follow_redirects=True).get_data(as_text=True)
    token = csrf_token(html)
    refused = client.post(f"{URL}/{appointment.id}", data={"csrf_token": token},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 403 and fresh(appointment.id).status == "booked"
    auth.logout()
    web_as("receptionist", branches=[world.b])
    assert client.get(f"{URL}?branch={world.a.id}").status_code == 403
    token = csrf_token(client.get(URL).get_data(as_text=True))
    other = client.post(f"{URL}/{appointment.id}", data={"csrf_token": token},
                        headers={"HX-Request": "true"})
    assert other.status_code == 403 and fresh(appointment.id).status == "booked"
    assert client.post(f"{URL}/{appointment.id}", headers={"HX-Request": "true"}
                       ).status_code == 400  # no CSRF token
    auth.logout()
    web_as("receptionist", branches=[world.a])
    assert 'href="/calendar/confirm"' in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_nothing_to_call(client, world, desk_page):
    html = client.get(URL).get_data(as_text=True)
    assert "Все подтвердили" in html and "звонить некому" in html and row_ids(html) == []
