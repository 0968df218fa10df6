"""Migrations build exactly the models' schema, and fall all the way back."""
import os
import subprocess
import sys

from clinicapp import embedded_db

from ..conftest import ROOT


def _flask(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)


def test_upgrade_matches_models_and_downgrade_reaches_base(database_server):
    name = f"clinicapp_migrations_{os.getpid()}"
    url = embedded_db.ensure_database(database_server, name, recreate=True)
    try:
        assert _flask(url, "db", "upgrade").returncode == 0
        check = _flask(url, "db", "check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "No new upgrade operations detected" in check.stdout + check.stderr
        down = _flask(url, "db", "downgrade", "base")
        assert down.returncode == 0, down.stderr
        again = _flask(url, "db", "upgrade")
        assert again.returncode == 0, again.stderr
    finally:
        embedded_db.drop_database(database_server, name)


def _audit_step(cursor, actor: int, appointment: int, status: str, at) -> None:
    """An entry as the calendar dialog wrote its steps before 0007 (no visit row then)."""
    cursor.execute(
        "INSERT INTO audit_entries (created_at, actor_id, action, target_type, target_id, "
        "changes) VALUES (%s, %s, 'appointment.status_changed', 'appointments', %s, "
        "jsonb_build_object('status', jsonb_build_array('x', %s::text)))",
        (at, actor, str(appointment), status))


def test_0007_gives_every_step_its_visit(database_server):
    """The demo month as the old code left it (no visits for the calendar's steps, a
    desk visit left behind its appointment): upgrading writes a visit for every
    appointment in a visit status and brings the one behind up to date, with times and
    actors from the audit log when it has them."""
    from datetime import timedelta

    import psycopg2

    name = f"clinicapp_backfill_{os.getpid()}"
    url = embedded_db.ensure_database(database_server, name, recreate=True)
    try:
        assert _flask(url, "db", "upgrade").returncode == 0
        assert _flask(url, "seed-demo").returncode == 0
        assert _flask(url, "db", "downgrade", "0006").returncode == 0
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id FROM users WHERE email = 'reception@clinic.test'")
            [desk] = cursor.fetchone()
            cursor.execute("SELECT id, starts_at FROM appointments WHERE status = 'completed' "
                           "ORDER BY id LIMIT 2")
            (stepped, stepped_start), (behind, behind_start) = cursor.fetchall()
            cursor.execute("DELETE FROM visits WHERE appointment_id <> %s", (behind,))
            # Opened at the desk, then finished in the calendar dialog (no visit update).
            cursor.execute("UPDATE visits SET status = 'arrived', started_at = NULL, "
                           "finished_at = NULL WHERE appointment_id = %s RETURNING arrived_at",
                           (behind,))
            [behind_arrived] = cursor.fetchone()
            _audit_step(cursor, desk, behind, "completed", behind_start + timedelta(minutes=35))
            for status, minutes in (("arrived", -10), ("completed", 40)):
                _audit_step(cursor, desk, stepped, status,
                            stepped_start + timedelta(minutes=minutes))
        upgraded = _flask(url, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE v.id IS NULL), "
                "count(*) FILTER (WHERE v.status <> a.status), count(*) "
                "FROM appointments a LEFT JOIN visits v ON v.appointment_id = a.id "
                "WHERE a.status IN ('arrived', 'in_progress', 'completed', 'no_show')")
            missing, mismatched, total = cursor.fetchone()
            assert (missing, mismatched) == (0, 0) and total > 100
            cursor.execute(
                "SELECT count(*) FROM visits WHERE (status = 'completed' AND (arrived_at IS "
                "NULL OR started_at IS NULL OR finished_at IS NULL)) OR (status = 'no_show' "
                "AND no_show_at IS NULL)")
            assert cursor.fetchone() == (0,)
            cursor.execute(
                "SELECT v.appointment_id, arrived_by_id, arrived_at, started_by_id, "
                "finished_by_id, finished_at FROM visits v WHERE v.appointment_id IN (%s, %s)",
                (stepped, behind))
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
        arrived_by, arrived, started_by, finished_by, finished = rows[stepped]
        assert arrived_by == started_by == finished_by == desk
        assert arrived == stepped_start - timedelta(minutes=10)
        assert finished == stepped_start + timedelta(minutes=40)
        arrived_by, arrived, started_by, finished_by, finished = rows[behind]
        assert arrived == behind_arrived and arrived_by is None  # kept as the desk had it
        assert finished_by == desk and finished == behind_start + timedelta(minutes=35)
    finally:
        embedded_db.drop_database(database_server, name)
