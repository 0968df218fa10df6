"""A doctor's «Сегодня»: their own patients by default, the whole branch on request.

The choice is `?show=mine|all`, kept in every URL of the page: the toggle, the board's
live-refresh URL, the one-click steps and the redirect after a plain form post.
"""
from __future__ import annotations

import re

import pytest

from clinicapp.extensions import db
from clinicapp.org.clock import branch_today
from tests.conftest import csrf_token
from tests.scheduling.conftest import ALMATY, MOSCOW, at

from .test_pages import status_of, today


def cards(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'id="desk-appointment-(\d+)"', html)}


def board_url(html: str) -> str:
    return re.search(r'data-board-url="([^"]+)"', html).group(1).replace("&amp;", "&")


@pytest.fixture
def doctor(client, world, web_as):
    """world.doctor's account (branches A and B), signed in."""
    user = web_as("doctor", branches=[world.a, world.b])
    world.doctor.user_id = user.id
    db.session.commit()
    return user


@pytest.fixture
def day_in_a(world, add_appointment):
    """Today in A: two of world.doctor's patients and one of the other doctor's."""
    day = today()
    return {"own": add_appointment(at(day, "09:00")),
            "own_later": add_appointment(at(day, "10:00"), patient=world.patient2),
            "other": add_appointment(at(day, "09:00"), doctor=world.other_doctor,
                                     patient=world.patient2)}


def test_a_doctor_sees_their_own_patients_by_default(client, world, doctor, day_in_a):
    html = client.get(f"/desk/?branch={world.a.id}").get_data(as_text=True)
    assert cards(html) == {day_in_a["own"].id, day_in_a["own_later"].id}
    assert 'id="desk-show-mine"' in html and 'id="desk-show-all"' in html
    mine = html[html.index('id="desk-show-mine"'):html.index('id="desk-show-all"')]
    assert 'aria-current="page"' in mine
    assert "Только ваши пациенты" in html
    assert board_url(html) == f"/desk/?branch={world.a.id}&show=mine"


def test_the_toggle_shows_the_whole_branch_and_stays_in_the_url(client, world, doctor,
                                                                day_in_a):
    page = client.get(f"/desk/?branch={world.a.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*>Весь филиал<', page).group(1).replace("&amp;", "&")
    assert "show=all" in link
    html = client.get(link).get_data(as_text=True)
    assert cards(html) == {a.id for a in day_in_a.values()}
    assert board_url(html) == f"/desk/?branch={world.a.id}&show=all"
    assert "Только ваши пациенты" not in html
    # The live refresh asks for the board with the same URL: the same patients.
    fragment = client.get(board_url(html), headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).strip().startswith('<div id="desk-board"')
    assert cards(fragment.get_data(as_text=True)) == {a.id for a in day_in_a.values()}
    mine = client.get(f"/desk/?branch={world.a.id}&show=mine", headers={"HX-Request": "true"})
    assert cards(mine.get_data(as_text=True)) == {day_in_a["own"].id, day_in_a["own_later"].id}
    # The branch switcher keeps it too.
    assert 'name="show" value="all"' in html


def test_a_step_answers_with_the_board_of_the_same_filter(client, world, doctor, day_in_a):
    html = client.get(f"/desk/?branch={world.a.id}&show=all").get_data(as_text=True)
    own = day_in_a["own"]
    assert f'hx-post="/desk/appointments/{own.id}/status?show=all"' in html
    response = client.post(f"/desk/appointments/{own.id}/status?show=all",
                           data={"status": "arrived"},
                           headers={"HX-Request": "true", "X-CSRFToken": csrf_token(html)})
    assert response.status_code == 200
    assert cards(response.get_data(as_text=True)) == {a.id for a in day_in_a.values()}
    assert status_of(own.id) == "arrived"
    response = client.post(f"/desk/appointments/{day_in_a['own_later'].id}/status?show=mine",
                           data={"status": "arrived", "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert response.location == f"/desk/?branch={world.a.id}&show=mine"
    assert status_of(day_in_a["own_later"].id) == "arrived"


def test_an_unknown_filter_is_refused(client, world, doctor):
    response = client.get("/desk/?show=everyone")
    assert response.status_code == 400 and "show" in response.get_data(as_text=True)


def test_the_front_desk_sees_the_branch_without_a_toggle(client, world, web_as, day_in_a):
    web_as("receptionist", branches=[world.a])
    for url in ("/desk/", "/desk/?show=mine", "/desk/?show=all"):
        html = client.get(url).get_data(as_text=True)
        assert cards(html) == {a.id for a in day_in_a.values()}, url
        assert "desk-show-mine" not in html and board_url(html) == f"/desk/?branch={world.a.id}"


def test_a_doctor_opens_the_branch_where_their_patients_are_today(client, world, doctor,
                                                                  add_appointment):
    """world.doctor works in A and B; today their patients are in B (Almaty)."""
    in_b = add_appointment(at(branch_today(world.b), "11:00", ALMATY), clinic=world.b)
    html = client.get("/desk/").get_data(as_text=True)
    assert f'data-branch-id="{world.b.id}"' in html and cards(html) == {in_b.id}
    # With nobody today the first branch, as for everyone; ?branch= always wins.
    assert f'data-branch-id="{world.a.id}"' in client.get(
        f"/desk/?branch={world.a.id}").get_data(as_text=True)


def test_own_patients_across_midnight_stay_on_the_branch_day(client, world, doctor,
                                                             add_appointment):
    """Yesterday's and tomorrow's appointments of the doctor are not today's patients."""
    from datetime import timedelta

    day = today()
    add_appointment(at(day - timedelta(days=1), "23:00", MOSCOW))
    add_appointment(at(day + timedelta(days=1), "00:30", MOSCOW))
    html = client.get(f"/desk/?branch={world.a.id}").get_data(as_text=True)
    assert cards(html) == set()
    assert "Никого" in html
