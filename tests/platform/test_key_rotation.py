"""FERNET_KEYS rotation: a new first key, `flask reencrypt`, then the old key can go."""
import os
import subprocess
import sys

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from clinicapp import embedded_db

from ..conftest import ROOT, _migrated_database


def _flask(url: str, keys: list[str], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "FERNET_KEYS": ",".join(keys)}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)


def _stored_secret(url: str) -> str:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.connect() as connection:
        value = connection.execute(text("SELECT totp_secret FROM users")).scalar_one()
    engine.dispose()
    return value


def test_reencrypt_moves_secrets_to_the_new_key(database_server):
    name = f"clinicapp_keys_{os.getpid()}"
    url = _migrated_database(database_server, name)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    secret = pyotp.random_base32()
    try:
        created = _flask(url, [old], "create-user", "--email", "keys@clinic.test",
                         "--password", "long-enough-1", "--role", "admin", "--totp-secret", secret)
        assert created.returncode == 0, created.stderr
        assert Fernet(old.encode()).decrypt(_stored_secret(url).encode()).decode() == secret

        rotated = _flask(url, [new, old], "reencrypt")
        assert rotated.returncode == 0, rotated.stderr
        assert "Перешифровано значений: 1" in rotated.stdout
        assert Fernet(new.encode()).decrypt(_stored_secret(url).encode()).decode() == secret
    finally:
        embedded_db.drop_database(database_server, name)
