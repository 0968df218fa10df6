"""A price change may take effect from a later day: planned, shown as planned, cancellable
before its day, in force from that day on the organization's clock, on every surface."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy.exc import IntegrityError

from clinicapp.audit.models import AuditEntry
from clinicapp.catalog import queries
from clinicapp.catalog.models import Service, ServicePrice
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.org import clock
from tests.conftest import csrf_token

NBSP = "\u00a0"
# Always on different days: UTC+14 is 25 hours ahead of UTC−11.
AHEAD, BEHIND = "Pacific/Kiritimati", "Pacific/Pago_Pago"


def page_of(service) -> str:
    return f"/catalog/services/{service.id}"


def edit(client, service, **fields):
    """Post the service's form as it is shown, with `fields` changed."""
    url = page_of(service)
    data = {"csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
            "code": service.code, "name": service.name,
            "category": str(service.category_id or ""), "price": "1 200,00",
            "duration": str(service.duration_minutes), "description": "",
            "clinics": [str(c.id) for c in service.clinics],
            "doctors": [str(d.id) for d in service.doctors], "is_active": "y"}
    data.update(fields)
    return client.post(url, data=data)


def rows(service) -> list[tuple]:
    db.session.expire_all()
    return [(r.price, r.effective_from, r.is_live) for r in db.session.scalars(
        db.select(ServicePrice).where(ServicePrice.service_id == service.id)
        .order_by(ServicePrice.id))]


def audit(action: str, service) -> list[dict]:
    return [e.changes for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_id == str(service.id))
        .order_by(AuditEntry.id))]


def history(client, service) -> str:
    return client.get(page_of(service)).get_data(as_text=True).split("История цен")[1]


def tree_price(client, service) -> str:
    page = client.get("/catalog/").get_data(as_text=True)
    row = re.search(rf'{re.escape(service.code)}</td>.*?col-price">([^<]+)<', page, re.S)
    return row.group(1)


def set_zone(service, zone: str) -> None:
    service.clinics[0].organization.timezone = zone
    db.session.commit()


def test_a_later_day_plans_the_change_and_today_keeps_the_price(client, catalog, web_as,
                                                                api_as):
    manager = web_as("manager")
    today = clock.organization_today()
    tomorrow = today + timedelta(days=1)
    response = edit(client, catalog.ecg, price="1 500", price_from=tomorrow.isoformat())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert rows(catalog.ecg) == [(Decimal("1200.00"), today, True),
                                 (Decimal("1500.00"), tomorrow, True)]
    assert audit("catalog.price_planned", catalog.ecg) == [{
        "price": ["1200.00", "1500.00"], "effective_from": tomorrow.isoformat(),
        "code": "A05.10.006"}]
    assert audit("catalog.price_changed", catalog.ecg) == []

    # Today every surface still says 1 200.
    assert tree_price(client, catalog.ecg) == f"1{NBSP}200,00"
    page = client.get(page_of(catalog.ecg)).get_data(as_text=True)
    assert f'value="1{NBSP}200,00"' in page
    planned = re.search(r'<tr class="price-planned is-planned">.*?</tr>',
                        page.split("История цен")[1], re.S).group(0)
    assert "запланирована" in planned and f"1{NBSP}500,00" in planned
    assert manager.full_name in planned and ">Отменить</button>" in planned
    in_force = re.search(r'<tr class="price-in_force">.*?</tr>', page, re.S).group(0)
    assert "действует" in in_force and f"1{NBSP}200,00" in in_force
    _user, headers = api_as("manager")
    staff = client.get(f"/api/v1/services/services/{catalog.ecg.id}", headers=headers)
    assert staff.get_json()["price"] == 1200.0
    listed = client.get("/api/v1/services/services", headers=headers).get_json()
    assert {s["code"]: s["price"] for s in listed}["A05.10.006"] == 1200.0
    assert client.get(f"/api/v1/services/{catalog.ecg.id}").get_json()["price"] == 1200.0
    public = client.get("/api/v1/services", query_string={"search": "ЭКГ"}).get_json()
    assert [s["price"] for s in public] == [1200.0]
    sheet = load_workbook(BytesIO(client.get("/catalog/export.xlsx").data)).active
    assert {r[0]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}[
        "A05.10.006"] == 1200
    # And from tomorrow on it is 1 500.
    assert queries.price_in_force(catalog.ecg, tomorrow) == Decimal("1500.00")
    assert queries.price_in_force(catalog.ecg, tomorrow + timedelta(days=30)) == Decimal("1500")


def test_the_day_comes_on_the_organizations_clock(client, catalog, web_as, api_as):
    """The same instant is an earlier day in Pago Pago than in Kiritimati: a price from
    Kiritimati's today is planned for an organization in Pago Pago and in force for one in
    Kiritimati, on the pages and in the API alike."""
    web_as("manager")
    set_zone(catalog.ecg, AHEAD)
    ahead_today = clock.organization_today()
    set_zone(catalog.ecg, BEHIND)
    assert clock.organization_today() < ahead_today
    response = edit(client, catalog.ecg, price="1 500", price_from=ahead_today.isoformat())
    assert response.status_code == 302
    assert tree_price(client, catalog.ecg) == f"1{NBSP}200,00"
    assert 'class="price-planned is-planned"' in history(client, catalog.ecg)

    set_zone(catalog.ecg, AHEAD)  # its day has come
    assert tree_price(client, catalog.ecg) == f"1{NBSP}500,00"
    page = history(client, catalog.ecg)
    assert "is-planned" not in page
    assert re.search(rf'<tr class="price-in_force">.*?1{NBSP}500,00', page, re.S)
    assert client.get(f"/api/v1/services/{catalog.ecg.id}").get_json()["price"] == 1500.0
    _user, headers = api_as("manager")
    assert client.get(f"/api/v1/services/services/{catalog.ecg.id}",
                      headers=headers).get_json()["price"] == 1500.0
    # In force now, so no longer cancellable.
    entry = db.session.scalar(db.select(ServicePrice).where(
        ServicePrice.service_id == catalog.ecg.id, ServicePrice.price == Decimal("1500")))
    response = client.post(f"{page_of(catalog.ecg)}/prices/{entry.id}/cancel", data={
        "csrf_token": csrf_token(client.get(page_of(catalog.ecg)).get_data(as_text=True))})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "уже действует: её не отменить, задайте новую цену" in page
    db.session.refresh(entry)
    assert entry.is_live


def test_a_planned_price_is_cancelled_before_its_day(client, catalog, web_as):
    manager = web_as("manager")
    day = clock.organization_today() + timedelta(days=10)
    edit(client, catalog.ecg, price="1 500", price_from=day.isoformat())
    entry = db.session.scalar(db.select(ServicePrice).where(
        ServicePrice.service_id == catalog.ecg.id, ServicePrice.effective_from == day))
    page = client.get(page_of(catalog.ecg)).get_data(as_text=True)
    form = re.search(r'<form class="price-cancel" method="post" action="([^"]+)"\s+'
                     r'data-confirm="([^"]+)"', page)
    assert form.group(1) == f"{page_of(catalog.ecg)}/prices/{entry.id}/cancel"
    assert "Отменить цену 1" in form.group(2)

    response = client.post(form.group(1), data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == page_of(catalog.ecg)
    page = client.get(page_of(catalog.ecg)).get_data(as_text=True)
    assert re.search(r"Цена 1\s500,00 с .+ отменена", page)
    db.session.refresh(entry)
    assert entry.cancelled_at is not None and entry.cancelled_by_id == manager.id
    assert audit("catalog.price_cancelled", catalog.ecg) == [{
        "price": "1500.00", "effective_from": day.isoformat(), "code": "A05.10.006"}]
    cancelled = re.search(r'<tr class="price-cancelled is-gone">.*?</tr>', page, re.S).group(0)
    assert "отменена" in cancelled and manager.full_name in cancelled
    assert ">Отменить</button>" not in cancelled
    assert queries.price_in_force(catalog.ecg, day) == Decimal("1200.00")

    # The day is free again: a new plan for it is accepted.
    assert edit(client, catalog.ecg, price="1 600", price_from=day.isoformat()).status_code == 302
    assert queries.price_in_force(catalog.ecg, day) == Decimal("1600.00")
    again = client.post(form.group(1), data={"csrf_token": csrf_token(page)})
    assert "Эта цена уже отменена или заменена" in client.get(again.location).get_data(
        as_text=True)


def test_cancelling_is_for_managers_with_a_token_and_a_planned_row_of_that_service(
        client, catalog, web_as):
    web_as("manager")
    day = clock.organization_today() + timedelta(days=3)
    edit(client, catalog.ecg, price="1 500", price_from=day.isoformat())
    entry = db.session.scalar(db.select(ServicePrice).where(
        ServicePrice.service_id == catalog.ecg.id, ServicePrice.effective_from == day))
    url = f"{page_of(catalog.ecg)}/prices/{entry.id}/cancel"
    assert client.post(url).status_code == 400  # no CSRF token
    token = csrf_token(client.get(page_of(catalog.ecg)).get_data(as_text=True))
    other = client.post(f"{page_of(catalog.loose)}/prices/{entry.id}/cancel",
                        data={"csrf_token": token})
    assert "Такой цены в истории услуги нет" in client.get(other.location).get_data(
        as_text=True)
    assert client.post(f"/catalog/services/999999/prices/{entry.id}/cancel",
                       data={"csrf_token": token}).status_code == 404
    db.session.refresh(entry)
    assert entry.is_live

    client.post("/logout", data={"csrf_token": token})
    web_as("doctor")
    page = client.get(page_of(catalog.ecg)).get_data(as_text=True)
    assert "запланирована" in page and ">Отменить</button>" not in page
    assert client.post(url, data={"csrf_token": csrf_token(page)}).status_code == 403
    db.session.refresh(entry)
    assert entry.is_live


def test_a_second_price_for_the_same_day_replaces_the_first(client, catalog, web_as):
    web_as("manager")
    today = clock.organization_today()
    assert edit(client, catalog.ecg, price="1 300").status_code == 302
    assert edit(client, catalog.ecg, price="1 350").status_code == 302
    assert rows(catalog.ecg) == [(Decimal("1200.00"), today, False),
                                 (Decimal("1300.00"), today, False),
                                 (Decimal("1350.00"), today, True)]
    assert db.session.get(Service, catalog.ecg.id).price == Decimal("1350.00")
    page = history(client, catalog.ecg)
    assert page.count('class="price-replaced is-gone"') == 2 and "заменена" in page
    assert audit("catalog.price_changed", catalog.ecg) == [
        {"price": ["1200.00", "1300.00"], "code": "A05.10.006"},
        {"price": ["1300.00", "1350.00"], "code": "A05.10.006"}]

    day = today + timedelta(days=5)
    edit(client, catalog.ecg, price="1 500", price_from=day.isoformat())
    edit(client, catalog.ecg, price="1 450", price_from=day.isoformat())  # replans that day
    assert rows(catalog.ecg)[3:] == [(Decimal("1500.00"), day, False),
                                     (Decimal("1450.00"), day, True)]
    assert audit("catalog.price_planned", catalog.ecg)[-1]["price"] == ["1500.00", "1450.00"]


def test_the_same_price_or_a_date_alone_changes_nothing(client, catalog, web_as):
    web_as("manager")
    day = clock.organization_today() + timedelta(days=2)
    assert edit(client, catalog.ecg, price_from=day.isoformat()).status_code == 302
    assert edit(client, catalog.ecg, price="1200").status_code == 302
    assert len(rows(catalog.ecg)) == 1
    assert audit("catalog.price_planned", catalog.ecg) == []


@pytest.mark.parametrize("price_from, message", [
    ("yesterday", "Дата начала действия цены уже прошла: цена меняется с сегодняшнего дня "
                  "или с будущей даты"),
    ("31.02.2030", "Дата начала действия цены не дата: ожидается ДД.ММ.ГГГГ"),
    ("скоро", "Дата начала действия цены не дата: ожидается ДД.ММ.ГГГГ"),
])
def test_a_bad_day_is_named_under_its_field(client, catalog, web_as, price_from, message):
    web_as("manager")
    if price_from == "yesterday":
        price_from = (clock.organization_today() - timedelta(days=1)).isoformat()
    response = edit(client, catalog.ecg, price="1 500", price_from=price_from)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    field = page.split('for="price_from"')[1].split('class="form-row"')[0]
    assert f'<div class="field-error">{message}</div>' in field
    assert len(rows(catalog.ecg)) == 1


def test_a_day_typed_the_russian_way_is_understood(client, catalog, web_as):
    web_as("manager")
    day = clock.organization_today() + timedelta(days=7)
    assert edit(client, catalog.ecg, price="1 500",
                price_from=f"{day:%d.%m.%Y}").status_code == 302
    assert rows(catalog.ecg)[-1] == (Decimal("1500.00"), day, True)


def test_one_live_price_per_service_and_day_is_a_database_rule(catalog):
    today = clock.organization_today()

    def add(**fields):
        with db.session.begin_nested():
            db.session.add(ServicePrice(service_id=catalog.ecg.id, price=Decimal("1"),
                                        effective_from=today, **fields))

    with pytest.raises(IntegrityError) as refused:
        add()
    assert "uq_service_prices_service_id_effective_from" in str(refused.value)
    add(cancelled_at=utcnow())  # a cancelled or replaced row does not count
    add(replaced_at=utcnow())
    with pytest.raises(IntegrityError):
        add(cancelled_at=utcnow(), replaced_at=utcnow())  # not both
