"""Fixtures: a real PostgreSQL, the app, clients that sign in through the real pages.

By default each test runs inside an outer transaction that is rolled back;
the request's own commits become savepoints. Tests that need real commits
(a live server for browsers, schemathesis, races) use `live_server`.
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import requests
from flask import g, request_started
from sqlalchemy import event

from clinicapp import create_app, embedded_db
from clinicapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-pass-123"

# Fixture modules of features, shared by their test packages.
pytest_plugins = ["tests.billing.api_world"]


@pytest.fixture(scope="session")
def database_server() -> str:
    """TEST_DATABASE_URL, else a throwaway embedded PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return embedded_db.start(ROOT / "instance" / "test-pgdata", cleanup="delete")


def _migrated_database(server: str, name: str) -> str:
    url = embedded_db.ensure_database(server, name, recreate=True)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return url


@pytest.fixture(scope="session")
def database_url(database_server):
    name = f"clinicapp_test_{os.getpid()}"
    url = _migrated_database(database_server, name)
    yield url
    embedded_db.drop_database(database_server, name)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Real Argon2id, with the cheapest parameters, for the in-process app.

    Production parameters cost ~80 ms a hash; thousands of sign-ins in the
    suite would spend minutes on them. Live servers keep the real parameters.
    """
    from argon2 import PasswordHasher, profiles

    from clinicapp.auth import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg2://", 1),
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        # The Socket.IO re-check runs in a thread of its own, and in-process tests share one
        # database connection: it waits for a test that asks for it (tests/chat).
        "REALTIME_RECHECK_SECONDS": 3600,
    })
    return app


@pytest.fixture(autouse=True)
def _rolled_back(request, app):
    """Every test in a transaction that is thrown away afterwards."""
    if "live_server" in request.fixturenames:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.session_factory.configure(bind=connection,
                                             join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            db.session.session_factory.configure(bind=None)
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app):
    """Give every request an empty ``flask.g``, as in production.

    `_rolled_back` keeps one app context pushed for the whole test, and Flask
    reuses it for each request, so ``g`` (Flask-Login's cached user,
    Flask-WTF's token, the API's ``g.api_user``) would otherwise leak from one
    request, and one client, into the next.
    """

    def clear(sender, **extra):
        g.__dict__.clear()

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def deliver_once(app):
    """deliver_once() -> the worker's summary line: `outbox-worker --once` through the CLI
    (one attempt at every outbox job due now)."""

    def run() -> str:
        result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])
        assert result.exit_code == 0, result.output
        return result.output

    return run


@pytest.fixture
def count_queries(app):
    """count_queries(callable) -> (result, number of SQL statements it ran), not counting
    the savepoints of the test's rolled-back transaction."""

    def run(action):
        statements = []

        def counted(_connection, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            result = action()
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return result, len(statements)

    return run


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def make_user(app):
    """Factory: make_user(role="receptionist", branches=[...], totp=False) -> User."""
    from clinicapp.auth import services

    counter = iter(range(1, 10_000))

    def factory(role: str = "receptionist", *, email: str | None = None, branches=(),
                totp_secret: str | None = None, password: str = PASSWORD, **fields):
        n = next(counter)
        user = services.create_user(
            None, email=email or f"{role}{n}@test.clinic", password=password, role=role,
            full_name=fields.pop("full_name", f"Тестовый {role} {n}"),
            branch_ids=[b.id for b in branches], totp_secret=totp_secret, **fields)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_clinic(app):
    from clinicapp.org.models import Clinic, Organization

    def factory(name: str = "Филиал", timezone: str = "Europe/Moscow"):
        organization = db.session.scalar(db.select(Organization)) or Organization(name="ООО Тест")
        clinic = Clinic(organization=organization, name=name, timezone=timezone)
        db.session.add(clinic)
        db.session.commit()
        return clinic

    return factory


class Auth:
    """Signs in through the real login pages (and the second step when needed)."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, totp_secret: str | None = None,
              remember: bool = False):
        page = self.client.get("/login")
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "login": email,
                "password": password}
        if remember:
            data["remember"] = "y"
        response = self.client.post("/login", data=data)
        if totp_secret and response.status_code == 302 and "/login/2fa" in response.location:
            page = self.client.get("/login/2fa")
            response = self.client.post("/login/2fa", data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "code": pyotp.TOTP(totp_secret).now()})
        return response

    def logout(self):
        page = self.client.get("/profile/")  # "/" redirects most roles
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def web_as(client, make_user):
    """web_as(role, branches=(...)) -> a new user of that role signed in on `client`
    through the login page (admins with TOTP, as they must)."""

    def login(role: str = "manager", branches=(), **fields):
        secret = pyotp.random_base32() if role == "admin" else None
        user = make_user(role, branches=branches, totp_secret=secret, **fields)
        response = Auth(client).login(user.email, totp_secret=secret)
        assert response.status_code == 302 and response.location == "/", response.location
        return user

    return login


@pytest.fixture
def api_login(client):
    """api_login(email, password=PASSWORD) -> the token pair JSON from /api/v1/auth/login."""

    def login(email: str, password: str = PASSWORD, **extra):
        response = client.post("/api/v1/auth/login",
                               json={"username": email, "password": password, **extra})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return login


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- live server ---------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A running `python wsgi.py`; `url` is its base, `database_url` its database."""

    def __init__(self, url: str, database_url: str, process: subprocess.Popen, log_path: Path):
        self.url = url
        self.database_url = database_url
        self.process = process
        self.log_path = log_path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve(database_url: str, **env: str) -> LiveServer:
    """Start the app on a free loopback port over `database_url`; wait until healthy.

    Extra settings come as environment variables (e.g. RATELIMIT_ENABLED="1").
    """
    port = _free_port()
    (ROOT / "instance").mkdir(exist_ok=True)
    log_path = ROOT / "instance" / f"live-server-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 - the process writes to it until stopped
    process = subprocess.Popen(
        [sys.executable, "wsgi.py"], cwd=ROOT, stdout=log, stderr=log,
        env={**os.environ, "RATELIMIT_ENABLED": "0", **env, "DATABASE_URL": database_url,
             "HOST": "127.0.0.1", "PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(base + "/api/health", timeout=3).status_code == 200:
                return LiveServer(base, database_url, process, log_path)
        except requests.RequestException:  # still booting
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("live server did not start: " + log_path.read_text()[-2000:])


def seeded_server(database_server: str, name: str):
    """Generator for fixtures: a migrated database with the demo data, served; dropped after."""
    url = _migrated_database(database_server, name)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True)
    server = serve(url)
    try:
        yield server
    finally:
        server.stop()
        embedded_db.drop_database(database_server, name)


@pytest.fixture(scope="session")
def live_server(database_server):
    """The app served on a loopback port over a migrated, seeded scratch database."""
    yield from seeded_server(database_server, f"clinicapp_live_{os.getpid()}")


@dataclass
class CliUser:
    email: str
    password: str
    full_name: str
    totp_secret: str | None = None


@pytest.fixture
def cli_user(live_server):
    """cli_user(role="receptionist", totp_secret=None, branches=()) -> CliUser, made by
    `flask create-user` (`branches`: ids of the branches it works in, `--branch`).

    A fresh account per call, so tests never share a TOTP step or a lockout count.
    """

    def create(role: str = "receptionist", *, totp_secret: str | None = None,
               full_name: str | None = None, branches: tuple[int, ...] = ()) -> CliUser:
        tag = secrets.token_hex(4)
        user = CliUser(email=f"e2e-{role}-{tag}@clinic.test",
                       password="e2e-pass-" + secrets.token_hex(6),
                       full_name=full_name or f"Браузеров Тест {tag}", totp_secret=totp_secret)
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "create-user",
                   "--email", user.email, "--password", user.password, "--role", role,
                   "--full-name", user.full_name]
        if totp_secret:
            command += ["--totp-secret", totp_secret]
        for branch_id in branches:
            command += ["--branch", str(branch_id)]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "DATABASE_URL": live_server.database_url})
        assert result.returncode == 0, result.stdout + result.stderr
        return user

    return create
