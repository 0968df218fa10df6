"""The one clock (org.clock): a branch's now and today, the organization's zone,
a person's zone, local times across midnight and DST switches, human zone names."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clinicapp.extensions import db
from clinicapp.org import clock
from clinicapp.org.models import Clinic


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def berlin(organization):
    """A branch in a zone that switches to summer time (Moscow does not)."""
    clinic = Clinic(organization=organization, name="Клиника в Берлине", timezone="Europe/Berlin")
    db.session.add(clinic)
    db.session.commit()
    return clinic


# --- today and now ------------------------------------------------------------------------

def test_a_branch_today_turns_at_its_own_midnight(branches):
    moscow, almaty = branches.a, branches.b
    # 20:59 UTC is 23:59 in Moscow and 01:59 next day in Almaty (UTC+5).
    assert clock.branch_today(moscow, utc(2026, 12, 31, 20, 59)) == date(2026, 12, 31)
    assert clock.branch_today(moscow, utc(2026, 12, 31, 21, 0)) == date(2027, 1, 1)
    assert clock.branch_today(almaty, utc(2026, 12, 31, 18, 59)) == date(2026, 12, 31)
    assert clock.branch_today(almaty, utc(2026, 12, 31, 19, 0)) == date(2027, 1, 1)
    assert clock.branch_now(almaty, utc(2026, 12, 31, 19, 0)).strftime("%H:%M") == "00:00"


def test_without_an_instant_today_is_the_real_one(branches):
    assert clock.branch_today(branches.b) == datetime.now(UTC).astimezone(
        clock.branch_zone(branches.b)).date()
    assert clock.branch_now(branches.a).utcoffset().total_seconds() == 3 * 3600


def test_midnight_and_the_dst_switch_in_a_summer_time_zone(berlin):
    # 29 March 2026: Berlin goes from 02:00 CET straight to 03:00 CEST (01:00 UTC).
    assert clock.branch_now(berlin, utc(2026, 3, 29, 0, 59)).strftime("%H:%M %Z") == "01:59 CET"
    assert clock.branch_now(berlin, utc(2026, 3, 29, 1, 0)).strftime("%H:%M %Z") == "03:00 CEST"
    # The local midnight moves with the offset: 23:00 UTC in winter, 22:00 UTC in summer.
    assert clock.branch_today(berlin, utc(2026, 3, 28, 23, 0)) == date(2026, 3, 29)
    assert clock.branch_today(berlin, utc(2026, 3, 29, 21, 59)) == date(2026, 3, 29)
    assert clock.branch_today(berlin, utc(2026, 3, 29, 22, 0)) == date(2026, 3, 30)
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:30 happens twice.
    first = clock.to_local(utc(2026, 10, 25, 0, 30), clock.branch_zone(berlin))
    second = clock.to_local(utc(2026, 10, 25, 1, 30), clock.branch_zone(berlin))
    assert first.strftime("%H:%M %Z") == "02:30 CEST" and second.strftime("%H:%M %Z") == "02:30 CET"


def test_the_organization_has_its_own_clock(organization, branches):
    assert clock.organization_zone().key == "Europe/Moscow"
    organization.timezone = "Asia/Vladivostok"  # UTC+10
    db.session.commit()
    assert clock.organization_zone().key == "Asia/Vladivostok"
    assert clock.organization_zone(organization).key == "Asia/Vladivostok"
    assert clock.organization_today(now=utc(2026, 6, 1, 13, 59)) == date(2026, 6, 1)
    assert clock.organization_today(now=utc(2026, 6, 1, 14, 0)) == date(2026, 6, 2)


def test_no_branch_chosen_reads_the_organizations_clock(organization):
    # A list across the whole network (the API without `branch`) has no branch of its own.
    organization.timezone = "Asia/Vladivostok"
    db.session.commit()
    at = utc(2026, 6, 1, 14, 0)
    assert clock.branch_zone(None).key == "Asia/Vladivostok"
    assert clock.branch_today(None, at) == clock.organization_today(now=at) == date(2026, 6, 2)


def test_no_organization_yet_means_the_default_zone(app):
    assert clock.organization_zone().key == clock.DEFAULT_ZONE


def test_a_person_reads_their_branches_zone_else_the_organizations(organization, branches,
                                                                    quick_user):
    organization.timezone = "Asia/Yekaterinburg"
    db.session.commit()
    almaty_desk = quick_user("receptionist", [branches.b])
    both = quick_user("manager", [branches.a, branches.b])
    two_in_moscow = quick_user("doctor", [branches.a, branches.off])
    admin = quick_user("admin")
    assert clock.person_zone(almaty_desk).key == "Asia/Almaty"
    assert clock.person_zone(two_in_moscow).key == "Europe/Moscow"
    assert clock.person_zone(both).key == "Asia/Yekaterinburg"
    assert clock.person_zone(admin).key == "Asia/Yekaterinburg"


# --- local times and names ------------------------------------------------------------------

def test_local_text_and_the_naive_utc_convention(branches):
    zone = clock.branch_zone(branches.b)
    assert clock.local_text(utc(2026, 1, 15, 7, 5), zone) == "15.01.2026 12:05"
    assert clock.local_text(datetime(2026, 1, 15, 7, 5), zone) == "15.01.2026 12:05"
    assert clock.local_text(None, zone) == ""
    assert clock.to_local(None, zone) is None


@pytest.mark.parametrize("name, at, label", [
    ("Europe/Moscow", utc(2026, 1, 1), "Москва, UTC+3"),
    ("Asia/Almaty", utc(2026, 1, 1), "Алматы, UTC+5"),
    ("Europe/Berlin", utc(2026, 1, 1), "Берлин, UTC+1"),
    ("Europe/Berlin", utc(2026, 7, 1), "Берлин, UTC+2"),
    ("America/New_York", utc(2026, 1, 1), "Нью-Йорк, UTC\u22125"),
    ("Asia/Kolkata", utc(2026, 1, 1), "Калькутта, UTC+5:30"),
    ("Etc/GMT-5", utc(2026, 1, 1), "UTC+5"),
    ("UTC", utc(2026, 1, 1), "UTC+0"),
    ("Mars/Olympus", utc(2026, 1, 1), "Mars/Olympus"),
    ("", utc(2026, 1, 1), ""),
])
def test_zone_labels(app, name, at, label):
    assert clock.zone_label(name, at) == label


def test_an_unknown_stored_zone_falls_back_instead_of_failing(app):
    assert clock.zone("Mars/Olympus").key == clock.DEFAULT_ZONE
    assert clock.zone(None).key == clock.DEFAULT_ZONE


UNKNOWN_ZONE = "Неизвестный часовой пояс (ожидается, например, Europe/Moscow)"


@pytest.mark.parametrize("value, message", [
    ("", "Выберите часовой пояс"), (None, "Выберите часовой пояс"), (3, "Выберите часовой пояс"),
    ("Mars/Olympus", UNKNOWN_ZONE), ("europe/moscow", UNKNOWN_ZONE),
])
def test_clean_zone_refuses_in_russian(value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        clock.clean_zone(value)


def test_clean_zone_keeps_a_known_name():
    assert clock.clean_zone(" Asia/Almaty ") == "Asia/Almaty"


# --- in the reader's language -----------------------------------------------------------------

def test_dates_moments_and_zones_follow_the_reader_s_language(app, branches):
    zone = clock.branch_zone(branches.b)
    moment = utc(2026, 1, 15, 7, 5)
    assert clock.date_text(date(1990, 5, 15)) == "15.05.1990"
    assert clock.date_text(None) == ""
    # A context of its own, as each request has (the tests keep one open throughout).
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert clock.local_text(moment, zone) == "Jan 15, 2026, 12:05"
        assert clock.date_text(date(1990, 5, 15)) == "May 15, 1990"
        assert clock.zone_label("Asia/Almaty", utc(2026, 1, 1)) == "Almaty, UTC+5"
        assert clock.zone_labels()["Europe/Moscow"].startswith("Moscow, UTC+3")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "ru"}):
        assert clock.local_text(moment, zone) == "15.01.2026 12:05"
        assert clock.zone_label("Asia/Almaty", utc(2026, 1, 1)) == "Алматы, UTC+5"
