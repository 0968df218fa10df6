"""The calendar read at a glance (issue #12): statuses told apart by mark, fill and outline,
with a legend; the doctor's own colour; doctors who do not work hidden, a specialty filter;
past time shaded and where the page opens; a doctor's own day; the printable schedule."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date as babel_date

from clinicapp.extensions import db
from clinicapp.org.clock import branch_today
from clinicapp.scheduling import grid
from tests.scheduling.conftest import add_exception, at, future_day, make_doctor
from tests.scheduling.test_calendar_page import (  # noqa: F401 - count_queries: a fixture
    block_of,
    count_queries,
)

URL = "/calendar/"
PRINT = "/calendar/print"
ROOT = Path(__file__).resolve().parents[2]
STATUSES = ("booked", "confirmed", "arrived", "in_progress", "completed", "no_show")
WORDS = ("Записан", "Подтвердил", "Пришёл", "На приёме", "Принят", "Не пришёл")


@pytest.fixture
def desk_page(client, world, web_as):
    return web_as("receptionist", branches=[world.a])


def page(client, query: str = "", **headers) -> str:
    response = client.get(f"{URL}?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def section_of(html: str, key: str) -> str:
    """A column's whole <section>: its header and its body."""
    at_key = html.index(f'data-column="{key}"')
    return html[html.rindex("<section", 0, at_key):html.index("</section>", at_key)]


def column_keys(html: str) -> list[str]:
    return re.findall(r'class="cal-body cal-col" data-column="([^"]+)"', html)


# --- statuses ------------------------------------------------------------------------------

def test_every_status_has_its_mark_word_and_accessible_name(client, world, desk_page,
                                                            add_appointment):
    """15-minute blocks of each status: the class that draws fill, outline and mark, the
    mark itself, the word (shown when the block is tall enough) and a name that says
    time, patient and status."""
    day = future_day(2)
    blocks = {status: add_appointment(at(day, f"{9 + n // 4:02d}:{n % 4 * 15:02d}"),
                                      at(day, f"{9 + n // 4:02d}:{n % 4 * 15:02d}")
                                      + timedelta(minutes=15), status=status)
              for n, status in enumerate(STATUSES)}
    html = page(client, f"date={day.isoformat()}")
    for (status, appointment), word in zip(blocks.items(), WORDS, strict=True):
        block = block_of(html, appointment.id)
        start = appointment.starts_at.astimezone(ZoneInfo("Europe/Moscow"))
        span = f"{start:%H:%M}–{start + timedelta(minutes=15):%H:%M}"
        assert f"status-{status}" in block and 'class="cal-mark"' in block
        assert f'<span class="cal-appt-status">{word}</span>' in block
        assert f'aria-label="{span}, {world.patient.full_name}, {word}' in block
        assert f'title="{span} · {world.patient.full_name} · {word}' in block
        assert "cal-len-3" in block  # the smallest block: three 5-minute rows


def test_the_legend_lists_the_statuses_in_the_order_of_a_visit(client, world, desk_page):
    html = page(client)
    legend = re.search(r'<ul class="cal-legend".*?</ul>', html, re.S).group(0)
    items = re.findall(r'<li class="cal-legend-item status-(\w+)">.*?</span></span>([^<]+)</li>',
                       legend)
    assert items == list(zip(STATUSES, WORDS, strict=True))
    assert 'aria-label="Статусы записей"' in legend


def test_each_status_is_drawn_differently():
    """The stylesheet gives every status its own icon, and «Записан» (to be called) a
    hollow, dashed block unlike the solid «Подтвердил»."""
    css = (ROOT / "static" / "css" / "calendar.css").read_text()
    icons = {}
    for status in STATUSES:
        rule = re.search(rf"^\.status-{status} \{{(.*?)\}}", css, re.S | re.M)
        assert rule, status
        icons[status] = re.sub(r"\\\n", "", rule.group(1)).split("--icon:")[1]
    assert len(set(icons.values())) == len(STATUSES)
    assert re.search(r"\.cal-appt\.status-booked \{ border: [\d.]+px dashed", css)
    assert "--appt-bg: #fff;" in re.search(r"^\.status-booked \{[^}]*", css, re.M).group(0)
    assert ".cal-appt.status-confirmed" not in css  # confirmed keeps the solid outline


# --- the doctor's colour ------------------------------------------------------------------

def test_the_doctor_colour_is_the_staff_card_one_everywhere(client, world, desk_page, web_as,
                                                           auth, add_appointment):
    world.doctor.color = "#AB12CD"
    db.session.commit()
    day = future_day(1)
    here = add_appointment(at(day, "09:00"))
    fill = 'fill="#AB12CD"'
    for query in (f"date={day}", f"date={day}&view=week&doctor={world.doctor.id}"):
        html = page(client, query)
        assert fill in section_of(html, f"{world.doctor.id}/{day}")  # header and block
        assert fill in block_of(html, here.id)
    assert fill not in section_of(page(client, f"date={day}"),
                                  f"{world.other_doctor.id}/{day}")
    # In the other branch (Almaty) too: his appointment there shows his colour.
    there = add_appointment(at(day, "15:00", ZoneInfo("Asia/Almaty")), clinic=world.b)
    auth.logout()
    web_as("receptionist", branches=[world.b])
    assert fill in block_of(page(client, f"date={day}&all=1"), there.id)
    block = client.get(f"/calendar/appointments/{there.id}/block?origin=0&last=1440")
    assert fill in block.get_data(as_text=True)  # the live update's block as well


# --- who gets a column --------------------------------------------------------------------

def test_doctors_off_that_day_are_hidden_unless_asked_for(client, world, desk_page,
                                                         add_appointment):
    day = future_day(3)
    add_exception(world.other_doctor, day, "day_off")
    html = page(client, f"date={day}")
    assert column_keys(html) == [f"{world.doctor.id}/{day}"]
    hidden = re.search(r'<p class="cal-hidden.*?</p>', html, re.S).group(0)
    assert "Другов И. (выходной)" in hidden and "all=1" in hidden
    assert f'data-hidden="{world.other_doctor.id}"' in html
    assert "(+1)" in html  # beside the toggle
    shown = page(client, f"date={day}&all=1")
    assert len(column_keys(shown)) == 2 and "cal-hidden" not in shown
    assert 'name="all" value="1" data-autosubmit checked' in shown
    # The toggle is remembered by every link of the page.
    for link in re.findall(r'href="(/calendar/\?[^"]+)"', shown):
        assert "all=1" in link, link
    # Booked that day (before the day off was entered): never hidden.
    add_appointment(at(day, "10:00"), doctor=world.other_doctor)
    assert len(column_keys(page(client, f"date={day}"))) == 2


def test_a_doctor_without_hours_there_is_hidden_and_one_with_bookings_is_not(
        client, world, desk_page, add_appointment):
    nobody = make_doctor([world.a], "Безчасов", hours=())
    day = future_day(4)
    assert f"{nobody.id}/" not in " ".join(column_keys(page(client, f"date={day}")))
    add_appointment(at(day, "12:00"), doctor=nobody)
    html = page(client, f"date={day}")
    assert f"{nobody.id}/{day}" in column_keys(html)
    assert ">не работает</span>" in section_of(html, f"{nobody.id}/{day}")


def test_a_long_list_of_the_hidden_is_cut(client, world, desk_page):
    for n in range(10):
        make_doctor([world.a], f"Отсутствов{n}", hours=())
    hidden = re.search(r'<p class="cal-hidden.*?</p>', page(client, f"date={future_day(4)}"),
                       re.S).group(0)
    assert hidden.count('class="cal-hidden-doctor"') == 8 and "и ещё 2" in hidden


def test_the_specialty_filter(client, world, desk_page, add_appointment):
    cardiologist = make_doctor([world.a], "Сердцев")
    cardiologist.specializations = ["кардиолог", "терапевт"]
    world.other_doctor.specializations = ["невролог"]
    db.session.commit()
    day = future_day(5)
    html = page(client, f"date={day}")
    options = re.findall(r'<option value="([^"]*)"', re.search(
        r'<select id="cal-spec".*?</select>', html, re.S).group(0))
    assert options == ["", "кардиолог", "невролог", "терапевт"]
    assert column_keys(page(client, f"date={day}&spec=кардиолог")) == [f"{cardiologist.id}/{day}"]
    therapists = column_keys(page(client, f"date={day}&spec=терапевт"))
    assert sorted(therapists) == sorted([f"{cardiologist.id}/{day}", f"{world.doctor.id}/{day}"])
    # The week view's doctors follow the filter too.
    week = page(client, f"date={day}&view=week&spec=невролог")
    assert f'data-doctor="{world.other_doctor.id}"' in week
    assert f'<option value="{world.doctor.id}"' not in week
    for bad in ("spec=хирург", "all=2"):
        response = client.get(f"{URL}?date={day}&{bad}")
        assert response.status_code == 400 and bad.split("=")[0] in response.get_data(True)


# --- past time and where the page opens ---------------------------------------------------

def test_past_days_are_shaded_whole_and_future_ones_not(client, world, desk_page):
    past = branch_today(world.a) - timedelta(days=3)
    html = page(client, f"date={past}")
    rows = int(re.search(r'data-origin="(\d+)" data-last="(\d+)"', html).group(2)) - int(
        re.search(r'data-origin="(\d+)"', html).group(1))
    for key in column_keys(html):
        assert f'cal-past cal-at-1 cal-len-{rows // 5}"' in section_of(html, key)
    assert 'class="cal-column is-past' in html
    assert "cal-past" not in page(client, f"date={future_day(0)}")


def _column(day: date, work: list[tuple[int, int]]):
    doctor = SimpleNamespace(id=1)
    zone = ZoneInfo("Europe/Moscow")
    hours = {1: {day: [(datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
                        + timedelta(minutes=start),
                        datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
                        + timedelta(minutes=end)) for start, end in work]}}
    return doctor, hours, zone


def layout(day: date, now_local: str, work=((540, 780), (840, 1080))):
    doctor, hours, zone = _column(day, list(work))
    hour, minute = map(int, now_local.split(":"))
    now = datetime.combine(day, datetime.min.time(), zone).replace(hour=hour, minute=minute)
    return grid.build(view="day", clinic=None, zone=zone, days=[day], doctors=[doctor],
                      hours=hours, appointments=[], step=15, now=now.astimezone(UTC),
                      may_move=False)


def test_today_is_shaded_up_to_now_and_opens_there_during_the_working_day():
    day = date(2026, 3, 10)
    during = layout(day, "10:30")  # the grid starts at 08:00
    assert during.now_row == 31 and during.columns[0].past_rows == 30
    assert during.scroll_row == 31
    lunch = layout(day, "13:30")  # between two intervals: still the working day
    assert lunch.scroll_row == lunch.now_row == 67
    early = layout(day, "07:10")
    assert early.columns[0].past_rows == 0 and early.scroll_row == 13  # 09:00, work starts
    late = layout(day, "19:00")
    assert late.columns[0].past_rows == 132 and late.scroll_row == 13
    after_grid = layout(day, "21:30")
    assert after_grid.now_row is None and after_grid.columns[0].past_rows == after_grid.rows


def test_other_days_open_at_their_start():
    day = date(2026, 3, 10)
    doctor, hours, zone = _column(day, [(600, 900)])
    noon = datetime(2026, 3, 11, 12, 0, tzinfo=zone).astimezone(UTC)  # the day after
    past = grid.build(view="day", clinic=None, zone=zone, days=[day], doctors=[doctor],
                      hours=hours, appointments=[], step=15, now=noon, may_move=False)
    assert past.columns[0].past_rows == past.rows and past.scroll_row == 25  # 10:00
    empty = grid.build(view="day", clinic=None, zone=zone, days=[day], doctors=[doctor],
                       hours={1: {day: []}}, appointments=[], step=15, now=noon,
                       may_move=False)
    assert empty.scroll_row == 1


def test_the_page_says_where_to_open(client, world, desk_page):
    html = page(client, f"date={future_day(1)}")
    assert 'data-scroll-row="13"' in html  # 09:00 of an 08:00 grid


# --- a doctor's own day -------------------------------------------------------------------

@pytest.fixture
def own_doctor(client, world, web_as):
    """A doctor of both branches who works in Almaty (B) only, signed in as themself."""
    doctor = make_doctor([world.a, world.b], "Своев", hours_in=[world.b])
    user = web_as("doctor", branches=[world.a, world.b])
    doctor.user_id = user.id
    db.session.commit()
    return doctor


def calendar_tag(html: str) -> str:
    return re.search(r'<div id="calendar".*?>', html, re.S).group(0)


def test_a_doctor_lands_on_their_own_day(client, world, own_doctor):
    html = page(client)
    assert f'data-branch-id="{world.b.id}"' in html  # where they work today
    keys = column_keys(html)
    assert keys[0] == f"{own_doctor.id}/{branch_today(world.b)}"
    own = html[html.index('<section class="cal-column'):html.index('class="cal-body cal-col"')]
    assert "is-own" in own and "ваше расписание" in own and ">Вы</span>" in own
    assert html.count("is-own") == 1
    week = page(client, "view=week")
    assert f'data-doctor="{own_doctor.id}"' in calendar_tag(week)  # their own week
    assert f'data-branch-id="{world.b.id}"' in calendar_tag(week)


def test_a_doctor_without_hours_that_day_lands_in_their_first_branch(client, world,
                                                                    own_doctor):
    add_exception(own_doctor, branch_today(world.b), "vacation")
    add_exception(own_doctor, branch_today(world.a), "vacation")
    html = page(client)
    assert f'data-branch-id="{world.a.id}"' in html
    assert column_keys(html)[0].startswith(f"{own_doctor.id}/")  # shown though not working
    assert ">отпуск</span>" in section_of(html, column_keys(html)[0])


def test_a_doctor_still_switches_freely(client, world, own_doctor, add_appointment):
    day = future_day(2)
    html = page(client, f"branch={world.a.id}&date={day}")
    assert f'data-branch-id="{world.a.id}"' in html
    assert column_keys(html)[0] == f"{own_doctor.id}/{day}"  # still first, though off there
    week = page(client, f"branch={world.a.id}&view=week&doctor={world.doctor.id}")
    assert f'data-doctor="{world.doctor.id}"' in calendar_tag(week) and "is-own" not in week
    # A date asked for without a branch: the branch where they work that day.
    assert f'data-branch-id="{world.b.id}"' in page(client, f"date={day}")


def test_others_see_the_branch_in_its_own_order(client, world, own_doctor, auth, web_as):
    auth.logout()
    web_as("receptionist", branches=[world.a, world.b])
    html = page(client, f"date={future_day(2)}")
    assert f'data-branch-id="{world.a.id}"' in html and "is-own" not in html
    assert column_keys(html)[0].startswith(f"{world.doctor.id}/")  # Докторов, then Другов


# --- printing -----------------------------------------------------------------------------

def test_print_the_branch_day_and_one_doctor(client, world, desk_page, add_appointment):
    world.patient.phone = "+79161234567"
    db.session.commit()
    day = future_day(3)
    first = add_appointment(at(day, "09:00"), service=world.service, status="confirmed")
    add_appointment(at(day, "11:00"), doctor=world.other_doctor, patient=world.patient2)
    add_appointment(at(day, "12:00"), status="cancelled", patient=world.patient2)
    html = page(client, f"date={day}")
    link = re.search(r'<a class="btn btn-secondary btn-sm" id="cal-print" href="([^"]+)"',
                     html).group(1).replace("&amp;", "&")
    response = client.get(link)
    printed = response.get_data(as_text=True)
    assert response.status_code == 200 and link.startswith(PRINT)
    assert world.a.name in printed
    assert babel_date(day, "full", locale="ru").capitalize().split(",")[0] in printed
    assert printed.count('<section class="print-sheet print-break">') == 2
    assert "09:00–09:30" in printed and world.patient.full_name in printed
    assert "+7 916 123-45-67" in printed and world.service.name in printed
    assert ">Подтвердил</td>" in printed and "Приём: 09:00–13:00, 14:00–18:00" in printed
    assert printed.count(world.patient2.full_name) == 1  # the cancelled one is not printed
    assert f"calendar/appointments/{first.id}" not in printed  # plain HTML, no blocks
    assert "calendar.js" not in printed and "print.js" in printed
    one = client.get(f"{PRINT}?branch={world.a.id}&date={day}&doctor={world.other_doctor.id}")
    text = one.get_data(as_text=True)
    assert one.status_code == 200 and text.count('class="print-sheet') == 1
    assert world.patient2.full_name in text and world.patient.full_name not in text


def test_print_a_doctors_week(client, world, desk_page, add_appointment):
    monday = future_day(0)
    add_appointment(at(monday + timedelta(days=2), "10:00"))
    html = client.get(f"{PRINT}?branch={world.a.id}&date={monday}&view=week"
                      f"&doctor={world.doctor.id}").get_data(as_text=True)
    assert html.count('class="print-sheet') == 7  # he works every day
    assert html.count('class="print-header"') == 1 and world.doctor.full_name in html
    assert "Ср, " in html and "0 записей" in html and "1 запись" in html


def test_printing_is_checked_like_the_calendar(client, world, web_as, auth):
    day = future_day(1).isoformat()
    assert client.get(f"{PRINT}?date={day}").status_code == 302
    web_as("receptionist", branches=[world.b])
    assert client.get(f"{PRINT}?branch={world.a.id}&date={day}").status_code == 403
    assert client.get(f"{PRINT}?branch={world.b.id}&date={day}").status_code == 200
    assert client.get(f"{PRINT}?branch={world.b.id}&date=31.12.2026").status_code == 400
    auth.logout()
    web_as("patient")
    assert client.get(f"{PRINT}?date={day}").status_code == 403


# --- language -----------------------------------------------------------------------------

def test_script_texts_come_from_the_page(client, world, desk_page):
    html = page(client)
    raw = re.search(r'<script type="application/json" id="calendar-i18n">(.*?)</script>',
                    html, re.S).group(1)
    texts = json.loads(raw)
    assert texts["live"] == "Обновляется автоматически" and "{code}" in texts["failed"]
    script = (ROOT / "static" / "js" / "calendar.js").read_text()
    assert not re.search("[\u0400-\u04ff]", script)
    for key in texts:
        assert f"text.{key}" in script, key


def test_dates_follow_the_reader_language(client, world, desk_page):
    day = future_day(2)
    html = page(client, f"date={day}&view=week", **{"Accept-Language": "en"})
    monday = day - timedelta(days=day.weekday())
    assert f"Mon, {monday:%b} {monday.day}" in html
    english = page(client, f"date={day}", **{"Accept-Language": "en"})
    assert f"{day:%A}, {day:%B} {day.day}, {day.year}" in english
    assert f"{day:%B} {day.day}, {day.year}" in english  # the columns' names


# --- a busy day stays cheap ---------------------------------------------------------------

def test_hiding_and_printing_a_busy_day_cost_no_query_per_doctor(
        client, world, desk_page, add_appointment, count_queries):  # noqa: F811
    day = future_day(6)
    doctors = [make_doctor([world.a], f"Занятов{n:02d}", hours=(("08:00", "20:00"),))
               for n in range(6)] + [make_doctor([world.a], f"Свободов{n}", hours=())
                                     for n in range(4)]
    for n, doctor in enumerate(doctors[:6]):
        for slot in range(6):
            add_appointment(at(day, "08:00") + timedelta(minutes=30 * slot),
                            doctor=doctor, patient=world.patient if n % 2 else world.patient2)
    url = f"{URL}?date={day}"
    client.get(url)
    response, queries = count_queries(lambda: client.get(url, headers={"HX-Request": "true"}))
    assert response.status_code == 200 and queries <= 10
    assert response.get_data(as_text=True).count("Свободов") == 4  # in the hidden list only
    response, printing = count_queries(lambda: client.get(f"{PRINT}?date={day}"))
    assert response.status_code == 200 and printing <= 12
    assert response.get_data(as_text=True).count('class="print-sheet') == 8  # 6 + 2 of world


