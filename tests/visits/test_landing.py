"""Where each role's day starts: `/` after signing in.

The front desk on «Сегодня», a doctor on the calendar (their own day), managers and
administrators on the day's summary of their branches (administrators with users and
settings at hand), the cashier on the cash desk; a patient in the cabinet's chat (their
doctors and branches' desks).
An explicit `next` still wins.
"""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

from clinicapp.extensions import db
from clinicapp.scheduling.models import Visit
from tests.auth.test_web_login import post_login
from tests.scheduling.conftest import at

from .test_pages import today

LANDINGS = {"receptionist": "/desk/", "doctor": "/calendar/", "manager": "/desk/summary",
            "admin": "/desk/summary", "cashier": "/cash-desk/"}


def nav(html: str) -> str:
    return html[html.index('class="topnav-links"'):html.index("</ul>")]


@pytest.mark.parametrize("role, landing", LANDINGS.items())
def test_each_role_lands_where_its_day_starts(client, world, web_as, role, landing):
    web_as(role, branches=[world.a])  # signs in through the login page: lands on "/"
    response = client.get("/")
    assert response.status_code == 302 and response.location == landing
    assert client.get(landing).status_code == 200


@pytest.mark.parametrize("role", ["receptionist", "doctor", "manager"])
def test_an_explicit_next_still_wins(client, world, make_user, role):
    user = make_user(role, branches=[world.a])
    response = post_login(client, user.email, next_url="/patients/?q=Пациентов")
    assert response.status_code == 302
    assert unquote(response.location) == "/patients/?q=Пациентов"


def test_a_patient_lands_on_the_cabinet_chat(client, world, web_as):
    web_as("patient")  # an account not linked to a patient record yet: an empty chat
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/cabinet/chat"
    html = client.get(response.location).get_data(as_text=True)
    assert "Писать можно врачу" in html and "Разговоров пока нет" in html


def test_the_menu_has_no_second_entry_for_the_same_page(client, world, web_as, auth):
    """«Главная» of the front desk would be «Сегодня» again: left out; managers keep it."""
    web_as("receptionist", branches=[world.a])
    html = client.get("/desk/").get_data(as_text=True)
    assert ">Главная<" not in nav(html) and 'href="/desk/"' in nav(html)
    auth.logout()
    web_as("manager", branches=[world.a])
    html = client.get("/desk/summary").get_data(as_text=True)
    assert ">Главная<" in nav(html)


def at_today(day, n: int):
    """The n-th half hour of `day` in Moscow (branch A)."""
    return at(day, "00:00") + timedelta(minutes=30 * n)


def figures(html: str, clinic) -> dict[str, str]:
    """{figure: shown value} of the branch's card on the summary."""
    start = html.index(f'id="summary-branch-{clinic.id}"')
    card = html[start:html.index("</section>", start)]
    return dict(re.findall(r'data-figure="(\w+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', card))


def test_the_summary_counts_the_day_of_each_branch(client, world, web_as, add_appointment):
    day = today()
    patients = [world.patient, world.patient2]
    statuses = ("booked", "confirmed", "arrived", "in_progress", "completed", "no_show",
                "cancelled")
    for n, status in enumerate(statuses):
        appointment = add_appointment(
            at_today(day, n), patient=patients[n % 2], status=status,
            doctor=world.doctor if n % 2 else world.other_doctor)
        if status in ("arrived", "in_progress", "completed"):
            db.session.add(Visit(appointment_id=appointment.id, status=status))
    add_appointment(at_today(day + timedelta(days=1), 0))  # tomorrow: not today's
    db.session.commit()
    web_as("manager", branches=[world.a, world.b])
    html = client.get("/desk/summary").get_data(as_text=True)
    assert world.a.name in html and world.b.name in html
    assert figures(html, world.a) | {"free": ""} == {
        "total": "6", "came": "3", "arrived": "1", "in_progress": "1", "completed": "1",
        "no_show": "1", "expected": "2", "free": ""}
    assert figures(html, world.a)["free"].endswith(" ч")
    assert figures(html, world.b) == {
        "total": "0", "came": "0", "arrived": "0", "in_progress": "0", "completed": "0",
        "no_show": "0", "expected": "0", "free": "0 ч"}  # nobody has hours in B
    assert f'href="/calendar/?branch={world.a.id}"' in html
    assert f'href="/desk/?branch={world.a.id}"' in html
    assert "Управление" not in html  # users and settings: the administrator's


def test_a_manager_sees_only_their_branches(client, world, web_as):
    web_as("manager", branches=[world.a])
    html = client.get("/desk/summary").get_data(as_text=True)
    assert f'id="summary-branch-{world.a.id}"' in html
    assert f'id="summary-branch-{world.b.id}"' not in html


def test_the_administrator_gets_every_active_branch_and_shortcuts(client, world, web_as,
                                                                 make_clinic):
    closed = make_clinic("Закрытый филиал")
    closed.is_active = False
    db.session.commit()
    web_as("admin")
    html = client.get("/desk/summary").get_data(as_text=True)
    assert f'id="summary-branch-{world.a.id}"' in html
    assert f'id="summary-branch-{world.b.id}"' in html
    assert f'id="summary-branch-{closed.id}"' not in html
    admin = html[html.index('id="summary-admin"'):]
    assert 'href="/admin/users"' in admin and 'href="/settings/"' in admin


def test_the_summary_without_branches_says_so(client, web_as):
    web_as("manager")
    html = client.get("/desk/summary").get_data(as_text=True)
    assert "не прикреплены ни к одному филиалу" in html


def test_the_summary_needs_a_staff_member(client, web_as):
    assert client.get("/desk/summary").status_code == 302  # to the sign-in page
    web_as("patient")
    assert client.get("/desk/summary").status_code == 403
