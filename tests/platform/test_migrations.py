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


def test_visits_are_backfilled_for_every_step_taken_before_0007(database_server):
    """The demo month's visits removed and 0007 undone: upgrading writes a visit for every
    appointment in a visit status, with times and actors from the audit log when it has them."""
    import psycopg2

    name = f"clinicapp_backfill_{os.getpid()}"
    url = embedded_db.ensure_database(database_server, name, recreate=True)
    try:
        assert _flask(url, "db", "upgrade").returncode == 0
        assert _flask(url, "seed-demo").returncode == 0
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("DELETE FROM visits")
            cursor.execute("SELECT id FROM users WHERE email = 'reception@clinic.test'")
            [desk] = cursor.fetchone()
            cursor.execute("SELECT id, starts_at FROM appointments WHERE status = 'completed' "
                           "ORDER BY id LIMIT 1")
            completed, starts_at = cursor.fetchone()
            # As the calendar dialog audited its steps before 0007 (no visit row then).
            for step, minutes in (("arrived", -10), ("completed", 40)):
                cursor.execute(
                    "INSERT INTO audit_entries (created_at, actor_id, action, target_type, "
                    "target_id, changes) VALUES (%s + make_interval(mins => %s), %s, "
                    "'appointment.status_changed', 'appointments', %s, "
                    "jsonb_build_object('status', jsonb_build_array('x', %s::text)))",
                    (starts_at, minutes, desk, str(completed), step))
        assert _flask(url, "db", "downgrade", "0006").returncode == 0
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
                "SELECT arrived_by_id, arrived_at - a.starts_at, finished_by_id, "
                "finished_at - a.starts_at, started_by_id FROM visits v "
                "JOIN appointments a ON a.id = v.appointment_id WHERE a.id = %s", (completed,))
            arrived_by, arrived, finished_by, finished, started_by = cursor.fetchone()
        assert arrived_by == finished_by == started_by == desk
        assert arrived.total_seconds() == -600 and finished.total_seconds() == 2400
    finally:
        embedded_db.drop_database(database_server, name)
