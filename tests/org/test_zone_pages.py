"""Zones and local times on the settings and profile pages.

The organization's zone is a requisite an administrator sets (validated, audited);
zones show a human name; sessions and sign-ins, stored in UTC, are shown on the
reader's own clock (their branches' zone, else the organization's); phones read
as everywhere else.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import UserSession
from clinicapp.extensions import db
from clinicapp.org import clock
from tests.org.test_pages import SETTINGS, branch_url, errors_of, post_form, requisites_form

# 21:30 UTC on 15 January: 00:30 on the 16th in Moscow, 02:30 in Almaty, 07:30 in Vladivostok.
SET_AT = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)


def option(html: str, value: str) -> str:
    """The label of the <option> with this value, and whether it is selected."""
    match = re.search(rf'<option( selected)? value="{re.escape(value)}"( selected)?>'
                      r'([^<]*)</option>',
                      html)
    assert match, f"no option {value}"
    return ("* " if match.group(1) or match.group(2) else "") + match.group(3)


def _vladivostok(organization) -> None:
    organization.timezone = "Asia/Vladivostok"
    db.session.commit()


# --- the organization's zone setting ------------------------------------------------------------

def test_the_requisites_form_offers_zones_by_human_name(client, organization, web_as):
    web_as("admin")
    html = client.get(SETTINGS).get_data(as_text=True)
    assert option(html, "Europe/Moscow") == "* Москва, UTC+3"
    assert option(html, "Asia/Almaty") == "Алматы, UTC+5"
    assert re.fullmatch(r"Нью-Йорк, UTC\u2212[45]", option(html, "America/New_York"))
    assert 'value="W-SU"' not in html  # aliases stay out of the list


def test_admin_sets_the_organizations_zone(client, organization, web_as):
    admin = web_as("admin")
    response = post_form(client, SETTINGS, requisites_form(timezone="Asia/Vladivostok"))
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    db.session.refresh(organization)
    assert organization.timezone == "Asia/Vladivostok"
    assert clock.organization_zone().key == "Asia/Vladivostok"
    entry = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "organization.updated").order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == admin.id
    assert entry.changes == {"timezone": ["Europe/Moscow", "Asia/Vladivostok"]}
    html = client.get(SETTINGS).get_data(as_text=True)
    assert option(html, "Asia/Vladivostok") == "* Владивосток, UTC+10"


def test_a_form_without_the_zone_keeps_it(client, organization, web_as):
    _vladivostok(organization)
    web_as("admin")
    data = requisites_form(kpp="773601002")
    response = post_form(client, SETTINGS, data)
    assert response.status_code == 302
    db.session.refresh(organization)
    assert organization.timezone == "Asia/Vladivostok" and organization.kpp == "773601002"


@pytest.mark.parametrize("value, message", [
    ("Mars/Olympus", "Неизвестный часовой пояс (ожидается, например, Europe/Moscow)"),
    ("", "Выберите часовой пояс"),
])
def test_a_bad_zone_is_a_400_under_the_field(client, organization, web_as, value, message):
    web_as("admin")
    response = post_form(client, SETTINGS, requisites_form(timezone=value))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert errors_of(html) == [message]
    # The error sits under the zone select, named in Russian.
    assert html.index("Часовой пояс") < html.index(message)
    db.session.refresh(organization)
    assert organization.timezone == "Europe/Moscow"


def test_staff_read_the_zones_by_name(client, branches, web_as):
    _vladivostok(branches.a.organization)
    web_as("manager", [branches.a, branches.b])
    html = client.get(SETTINGS).get_data(as_text=True)
    assert "<dt>Часовой пояс</dt><dd>Владивосток, UTC+10</dd>" in html
    assert "Москва, UTC+3" in html and "Алматы, UTC+5" in html  # the branches' column
    assert "Asia/Almaty" not in html
    page = client.get(branch_url(branches.b)).get_data(as_text=True)
    assert "<dt>Часовой пояс</dt><dd>Алматы, UTC+5</dd>" in page


def test_the_branch_form_names_zones_alike(client, branches, web_as):
    web_as("admin")
    html = client.get(branch_url(branches.b)).get_data(as_text=True)
    assert option(html, "Asia/Almaty") == "* Алматы, UTC+5"
    assert option(html, "Europe/Moscow") == "Москва, UTC+3"


# --- the profile: the person's own clock ------------------------------------------------------

def _signed_in_at(user, moment: datetime) -> None:
    user.last_login_at = moment
    db.session.execute(db.update(UserSession).where(UserSession.user_id == user.id)
                       .values(created_at=moment))
    db.session.commit()


def test_profile_shows_sign_ins_in_the_branch_zone(client, branches, web_as):
    user = web_as("receptionist", [branches.b])  # Almaty, UTC+5
    user.phone = "+79161234567"
    _signed_in_at(user, SET_AT)
    html = client.get("/profile/").get_data(as_text=True)
    assert "Последний вход: 16.01.2026 02:30" in html
    sessions = html.split('id="sessions"')[1]
    assert "16.01.2026 02:30" in sessions and "UTC</td>" not in sessions
    assert "Время: Алматы, UTC+5" in sessions
    assert "+7 916 123-45-67" in html and "+79161234567" not in html


def test_profile_of_someone_across_zones_uses_the_organizations(client, branches, web_as):
    _vladivostok(branches.a.organization)
    user = web_as("manager", [branches.a, branches.b])
    _signed_in_at(user, SET_AT)
    html = client.get("/profile/").get_data(as_text=True)
    assert "Последний вход: 16.01.2026 07:30" in html
    assert "Владивосток, UTC+10" in html


# --- the users admin: one column, the reader's clock ------------------------------------------

def test_users_page_shows_phones_and_local_sign_ins(client, branches, web_as, quick_user):
    _vladivostok(branches.a.organization)
    web_as("admin")  # no branch: the organization's clock
    doctor = quick_user("doctor", [branches.b])
    doctor.phone, doctor.last_login_at = "+74951234567", SET_AT
    never = quick_user("cashier", [branches.a])
    db.session.commit()
    html = client.get("/admin/users").get_data(as_text=True)
    row = next(r for r in html.split("<tr>") if doctor.email in r)
    assert "+7 495 123-45-67" in row and "16.01.2026 07:30" in row
    assert "не входил" in next(r for r in html.split("<tr>") if never.email in r)
    assert "Время входа: Владивосток, UTC+10" in html
    edit = client.get(f"/admin/users/{doctor.id}").get_data(as_text=True)
    assert "Последний вход: 16.01.2026 07:30 · время: Владивосток, UTC+10" in edit


def test_a_branch_manager_reads_sign_ins_on_the_branch_clock(client, branches, web_as,
                                                              quick_user):
    web_as("manager", [branches.b])
    colleague = quick_user("doctor", [branches.b])
    colleague.last_login_at = SET_AT
    db.session.commit()
    html = client.get("/admin/users", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="users-table"')
    assert "16.01.2026 02:30" in html and "Время входа: Алматы, UTC+5" in html
