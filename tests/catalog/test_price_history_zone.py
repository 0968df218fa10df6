"""The price list belongs to no branch: its history is shown on the organization's clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from clinicapp.catalog.models import ServicePrice
from clinicapp.extensions import db

# 21:30 UTC on 15 January: already the 16th in Moscow (00:30) and in Vladivostok (07:30).
SET_AT = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)


def _history(client, service) -> str:
    page = client.get(f"/catalog/services/{service.id}")
    assert page.status_code == 200
    return page.get_data(as_text=True).split("История цен")[1]


def _price_set_at(service, moment: datetime) -> None:
    # Set at `moment`, in force since the day before it (the page shows when it was set).
    db.session.add(ServicePrice(service_id=service.id, price=Decimal("1300"), set_at=moment,
                                effective_from=moment.date() - timedelta(days=1)))
    db.session.commit()


def test_history_is_in_the_organizations_default_zone(client, catalog, web_as):
    web_as("manager")
    _price_set_at(catalog.ecg, SET_AT)
    history = _history(client, catalog.ecg)
    assert "16.01.2026 00:30" in history
    assert "Время организации: Москва, UTC+3" in history


def test_history_follows_the_organizations_zone_setting(client, catalog, web_as):
    # Clinic B (the ECG's) stays in Moscow: the history does not follow a branch.
    organization = catalog.clinics[0].organization
    organization.timezone = "Asia/Vladivostok"
    db.session.commit()
    web_as("doctor", branches=[catalog.clinics[1]])
    _price_set_at(catalog.ecg, SET_AT)
    history = _history(client, catalog.ecg)
    assert "16.01.2026 07:30" in history and "00:30" not in history
    assert "Время организации: Владивосток, UTC+10" in history


def test_export_file_is_named_by_the_organizations_date(client, catalog, web_as):
    web_as("manager")
    response = client.get("/catalog/export.xlsx")
    assert response.status_code == 200
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    assert f"prais-list-{today:%Y-%m-%d}.xlsx" in response.headers["Content-Disposition"]
