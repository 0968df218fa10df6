"""Migration 0009 on a price history written before it: each row takes effect from the day
it was written on the organization's clock, earlier rows of one day are marked replaced,
a service with no history gets a row, and the way back restores the old columns."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import psycopg2

from clinicapp import embedded_db
from tests.conftest import ROOT


def _flask(url: str, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": url}, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_0009_dates_the_history_it_finds(database_server):
    name = f"clinicapp_prices_{os.getpid()}"
    url = embedded_db.ensure_database(database_server, name, recreate=True)
    try:
        _flask(url, "db", "upgrade", "0008")
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("INSERT INTO organizations (name, timezone) "
                           "VALUES ('ООО Восток', 'Asia/Vladivostok')")
            cursor.execute(
                "INSERT INTO services (code, name, price, duration_minutes, created_at) VALUES "
                "('A', 'С историей', 1400, 30, %s), ('B', 'Без истории', 900, 20, %s) "
                "RETURNING id", (_at(15, 20), _at(20, 15)))
            (with_history,), (without,) = cursor.fetchall()
            # 21:30 UTC on the 15th is 07:30 on the 16th in Vladivostok, as is 01:00 UTC
            # on the 16th (11:00): two prices of one day there; then one in February.
            for price, moment in ((1200, _at(15, 21, 30)), (1300, _at(16, 1)),
                                  (1400, _at(1, 9, month=2))):
                cursor.execute("INSERT INTO service_prices (service_id, price, valid_from) "
                               "VALUES (%s, %s, %s)", (with_history, price, moment))
        _flask(url, "db", "upgrade")
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT service_id, price::text, effective_from, set_at, replaced_at,"
                           " cancelled_at FROM service_prices ORDER BY service_id, id")
            rows = cursor.fetchall()
        assert rows == [
            (with_history, "1200.00", date(2026, 1, 16), _at(15, 21, 30), _at(16, 1), None),
            (with_history, "1300.00", date(2026, 1, 16), _at(16, 1), None, None),
            (with_history, "1400.00", date(2026, 2, 1), _at(1, 9, month=2), None, None),
            (without, "900.00", date(2026, 1, 21), _at(20, 15), None, None),
        ]
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            try:
                cursor.execute("INSERT INTO service_prices (service_id, price, effective_from) "
                               "VALUES (%s, 1, '2026-02-01')", (with_history,))
            except psycopg2.errors.UniqueViolation:
                connection.rollback()
            else:  # pragma: no cover - the index must refuse it
                raise AssertionError("a second live price for one day was accepted")
        _flask(url, "db", "downgrade", "0008")
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*), min(valid_from) FROM service_prices")
            assert cursor.fetchone() == (4, _at(15, 21, 30))
    finally:
        embedded_db.drop_database(database_server, name)
