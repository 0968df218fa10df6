"""The front desk's «Сегодня» page: roles, branches, columns, one-click steps, live wiring."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment, Visit
from tests.conftest import csrf_token
from tests.scheduling.conftest import MOSCOW, at

URL = "/desk/"


def today():
    return utcnow().astimezone(MOSCOW).date()


def status_of(appointment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id).status


def section(html: str, key: str) -> str:
    """The HTML of one column (up to the next column's heading)."""
    start = html.index(f'id="desk-col-{key}"')
    following = [html.index(f'id="desk-col-{other}"', start + 1)
                 for other in ("expected", "waiting", "with_doctor", "done", "no_show")
                 if f'id="desk-col-{other}"' in html[start + 1:]]
    return html[start:min(following) if following else len(html)]


@pytest.fixture
def desk_page(client, world, web_as):
    """A receptionist of branch A, signed in."""
    return web_as("receptionist", branches=[world.a])


@pytest.fixture
def board(world, add_appointment):
    """Today's appointments in branch A, one per column."""
    day = today()
    rows = {
        "expected": add_appointment(at(day, "09:00"), service=world.service),
        "waiting": add_appointment(at(day, "10:00"), patient=world.patient2),
        "with_doctor": add_appointment(at(day, "11:00"), doctor=world.other_doctor),
        "done": add_appointment(at(day, "12:00"), patient=world.patient2),
        "no_show": add_appointment(at(day, "13:00")),
    }
    now = utcnow()
    for key, status, arrived in (("waiting", "arrived", now - timedelta(minutes=17)),
                                 ("with_doctor", "in_progress", now),
                                 ("done", "completed", now), ("no_show", "no_show", None)):
        rows[key].status = status
        db.session.add(Visit(appointment_id=rows[key].id, status=status, arrived_at=arrived))
    # Not shown: another day, another branch, cancelled.
    add_appointment(at(day + timedelta(days=1), "09:00"))
    add_appointment(at(day, "15:00"), status="cancelled")
    db.session.commit()
    return rows


def test_page_per_role(client, world, web_as, auth):
    assert client.get(URL).status_code == 302 and "/login" in client.get(URL).location
    web_as("receptionist", branches=[world.a])
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert world.a.name in html and today().strftime("%d.%m.%Y") in html
    assert 'id="desk-board"' in html and 'data-board-url="/desk/?branch=' in html
    assert 'href="/desk/"' in html  # in the navigation
    for title in ("Ожидаются", "Ждут приёма", "У врача", "Приём окончен", "Не пришли"):
        assert title in html
    assert "<script>" not in html and " style=" not in html
    assert client.get(f"{URL}?branch={world.a.id}").status_code == 200
    assert client.get(f"{URL}?branch={world.b.id}").status_code == 403
    assert client.get(f"{URL}?branch=999999").status_code == 404
    auth.logout()
    web_as("patient")
    assert client.get(URL).status_code == 403


def test_admin_switches_between_all_branches(client, world, web_as):
    web_as("admin")
    html = client.get(f"{URL}?branch={world.b.id}").get_data(as_text=True)
    assert world.b.name in html and f'value="{world.a.id}"' in html
    assert f'data-branch-id="{world.b.id}"' in html


def test_columns_show_the_right_appointments(client, world, board, desk_page):
    html = client.get(URL).get_data(as_text=True)
    for key, appointment in board.items():
        assert f'id="desk-appointment-{appointment.id}"' in section(html, key), key
    assert html.count('class="desk-card ') == 5  # no other day, branch or cancelled
    waiting = section(html, "waiting")
    assert re.search(r"ждёт 1[78] мин", waiting)
    expected = section(html, "expected")
    assert "09:00–09:30" in expected and world.service.name in expected
    assert world.doctor.full_name in expected
    assert f'href="/patients/{world.patient.id}"' in expected
    assert world.other_doctor.full_name in section(html, "with_doctor")
    for label in ("Пришёл", "Пригласить", "Не пришёл"):
        assert f">{label}</button>" in expected
    assert "Завершить</button>" in section(html, "with_doctor")
    assert "</button>" not in section(html, "done")


def test_fragment_for_htmx(client, world, board, desk_page):
    response = client.get(f"{URL}?branch={world.a.id}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<div id="desk-board"')


@pytest.mark.parametrize("column,status", [("expected", "arrived"),
                                           ("expected", "in_progress"),
                                           ("waiting", "in_progress"),
                                           ("with_doctor", "completed"),
                                           ("expected", "no_show"),
                                           ("no_show", "arrived")])
def test_each_button_moves_the_status(client, world, board, desk_page, column, status):
    token = csrf_token(client.get(URL).get_data(as_text=True))
    appointment = board[column]
    response = client.post(f"/desk/appointments/{appointment.id}/status",
                           data={"status": status}, headers={"HX-Request": "true",
                                                              "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<html" not in html and html.strip().startswith('<div id="desk-board"')
    assert status_of(appointment.id) == status
    target = {"arrived": "waiting", "in_progress": "with_doctor", "completed": "done",
              "no_show": "no_show"}[status]
    assert f'id="desk-appointment-{appointment.id}"' in section(html, target)
    visit = db.session.scalar(db.select(Visit).where(Visit.appointment_id == appointment.id))
    assert visit.status == status


def test_refused_step_shows_the_message(client, world, board, desk_page):
    token = csrf_token(client.get(URL).get_data(as_text=True))
    done = board["done"]
    response = client.post(f"/desk/appointments/{done.id}/status", data={"status": "arrived"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'role="alert"' in html and "Нельзя сменить статус" in html and "<html" not in html
    assert status_of(done.id) == "completed"
    response = client.post(f"/desk/appointments/{done.id}/status", data={"status": "cancelled"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 400 and "Неизвестное действие" in response.get_data(as_text=True)


def test_csrf_required(client, world, board, desk_page):
    appointment = board["expected"]
    response = client.post(f"/desk/appointments/{appointment.id}/status",
                           data={"status": "arrived"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert status_of(appointment.id) == "booked"


def test_another_branch_and_read_only_roles(client, world, board, web_as, auth):
    web_as("receptionist", branches=[world.b])
    token = csrf_token(client.get(URL).get_data(as_text=True))
    appointment = board["expected"]
    response = client.post(f"/desk/appointments/{appointment.id}/status",
                           data={"status": "arrived"}, headers={"X-CSRFToken": token})
    assert response.status_code == 404 and status_of(appointment.id) == "booked"
    auth.logout()
    web_as("cashier", branches=[world.a])  # sees the queue, cannot act
    html = client.get(URL).get_data(as_text=True)
    board_html = html[html.index('id="desk-board"'):html.index("</main>")]
    assert f'id="desk-appointment-{appointment.id}"' in board_html
    assert "</button>" not in board_html
    token = csrf_token(html)
    response = client.post(f"/desk/appointments/{appointment.id}/status",
                           data={"status": "arrived"}, headers={"X-CSRFToken": token})
    assert response.status_code == 403 and status_of(appointment.id) == "booked"


def test_plain_form_post_redirects(client, world, board, desk_page):
    token = csrf_token(client.get(URL).get_data(as_text=True))
    appointment = board["expected"]
    response = client.post(f"/desk/appointments/{appointment.id}/status",
                           data={"status": "arrived", "csrf_token": token})
    assert response.status_code == 302 and f"branch={world.a.id}" in response.location
    assert status_of(appointment.id) == "arrived"


def test_patient_names_are_escaped(client, world, add_appointment, desk_page):
    patient = Patient(organization_id=world.a.organization_id, last_name="<b>Злой</b>",
                      first_name="<script>alert(1)</script>", extra_phones=[])
    db.session.add(patient)
    db.session.commit()
    add_appointment(at(today(), "09:00"), patient=patient)
    html = client.get(URL).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>Злой</b>" not in html
    assert "&lt;b&gt;Злой&lt;/b&gt;" in html


def test_a_long_day_folds_earlier_finished_visits(client, world, add_appointment, desk_page):
    from clinicapp.core.models import utcnow as now

    day = today()
    patients = []
    for n in range(8):
        patient = Patient(organization_id=world.a.organization_id, last_name=f"Готовый{n}",
                          first_name="Пациент", extra_phones=[], phone=f"+7916000000{n}")
        db.session.add(patient)
        patients.append(patient)
    db.session.flush()
    for n, patient in enumerate(patients):
        row = add_appointment(at(day, "00:00") + timedelta(minutes=15 * n),
                              at(day, "00:00") + timedelta(minutes=15 * (n + 1)),
                              patient=patient)
        row.status = "completed"
        db.session.add(Visit(appointment_id=row.id, status="completed", arrived_at=now()))
    missed = add_appointment(at(day, "03:00"), patient=patients[0])
    missed.status = "no_show"
    db.session.commit()
    html = client.get(URL).get_data(as_text=True)
    done = section(html, "done")
    assert "Ещё 3 раньше" in done and done.count('class="desk-card ') == 8
    folded = done[done.index("<details"):done.index("</details>")]
    assert "Готовый0" in folded and "Готовый7" not in folded
    assert "+7 916 000-00-00" in section(html, "no_show")  # call who did not come


def test_a_step_says_what_was_marked(client, world, board, desk_page):
    token = csrf_token(client.get(URL).get_data(as_text=True))
    appointment = board["expected"]
    html = client.post(f"/desk/appointments/{appointment.id}/status",
                       data={"status": "arrived"},
                       headers={"HX-Request": "true", "X-CSRFToken": token}).get_data(as_text=True)
    assert "Отмечено — Пациентов П.: пришёл" in html and 'role="status"' in html
