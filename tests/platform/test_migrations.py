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
