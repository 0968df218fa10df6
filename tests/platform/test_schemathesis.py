"""Schemathesis over the whole JSON API, against the live server with the demo data.

`--checks all`: no server errors, status codes, content types, headers and bodies
matching the OpenAPI document, valid data accepted, invalid data rejected, …

Two kinds of pass, because a logout revokes the token it is called with (and every
refresh token of that sign-in), after which every authorized operation would
rightly answer 401 and schemathesis would test nothing behind the token:

* every operation except the logouts, with a manager's access token, which must
  still work afterwards (operations a manager may not use answer 403, as documented);
* each logout on its own, with a token of a separate sign-in that it may revoke.

Only loopback is contacted: the schema and the API both come from the live server.
Deeper local run: SCHEMATHESIS_MAX_EXAMPLES=500; replay a run: SCHEMATHESIS_SEED=<seed>.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import sqlalchemy

from ..conftest import ROOT, seeded_server

pytestmark = pytest.mark.live

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
LOGOUT_PATHS = ("/api/auth/logout", "/api/v1/auth/logout")
NOT_LOGOUT = ("--exclude-path-regex", r"/auth/logout$")
# Cases per operation and phase. 30 keeps the pass over ~40 operations near 75 s on
# this 2-core machine (more workers only slow it down here); it grows with the API.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")
CONFIG = """
[warnings]
fail-on = ["unmatched_filter"]
"""
# "Valid data must be accepted" is not required: some rules cannot be stated in
# OpenAPI 3.0 (login needs `email` OR `username`; a phone must be a real number;
# an id must exist), so schema-valid requests may get a 400 naming the field.
NOT_REQUIRED_CHECKS = ("positive_data_acceptance",)


@pytest.fixture(scope="module")
def fuzz_server(database_server):
    """A seeded server of its own: the fuzzer creates and edits records freely there."""
    yield from seeded_server(database_server, f"clinicapp_fuzz_{os.getpid()}")


def _manager_token(live_server) -> str:
    """An access token of a fresh manager working in every clinic, like the demo one.

    Not the demo manager itself: schemathesis reuses values it saw in responses
    (the e-mail from /me), tries them with wrong passwords and so locks the account
    out for 15 minutes (correct behaviour, documented 403) - the demo accounts
    must stay usable for the other live tests.
    """
    engine = sqlalchemy.create_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            clinic_ids = connection.execute(sqlalchemy.text("SELECT id FROM clinics")).scalars()
            clinic_ids = list(clinic_ids)
    finally:
        engine.dispose()
    email = f"schemathesis-{secrets.token_hex(4)}@clinic.test"
    password = "st-" + secrets.token_urlsafe(12)
    branches = [arg for clinic_id in clinic_ids for arg in ("--branch", str(clinic_id))]
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "create-user", "--email", email,
         "--password", password, "--role", "manager", "--full-name", "Проверяев Схем Тестович",
         *branches],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": live_server.database_url},
        check=True, capture_output=True)
    response = requests.post(live_server.url + "/api/v1/auth/login",
                             json={"username": email, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access"]


def _server_errors(log_path: Path, start: int) -> list[str]:
    """5xx answers to /api requests that the server logged since `start`."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(start)
        lines = log.read().splitlines()
    errors = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (isinstance(entry, dict) and str(entry.get("path", "")).startswith("/api")
                and int(entry.get("status") or 0) >= 500):
            errors.append(line)
    return errors


def _schemathesis(live_server, tmp_path: Path, token: str, *options: str,
                  checks: str = "all") -> str:
    """Run the CLI; fail with its whole report unless it exits 0 and no 5xx was logged."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "run",
        live_server.url + "/api/openapi.json",
        "--checks", checks,
        "--max-examples", MAX_EXAMPLES,
        "--header", f"Authorization: Bearer {token}",
        "--request-timeout", "10",
        "--generation-database", "none",  # nothing written anywhere
        "--no-color",
        *options,
    ]
    if seed := os.environ.get("SCHEMATHESIS_SEED"):
        command += ["--seed", seed]
    env = {key: value for key, value in os.environ.items()
           if key.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    log_start = live_server.log_path.stat().st_size
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    output = result.stdout + result.stderr
    print(output)  # pytest shows it with the failure
    errors = _server_errors(live_server.log_path, log_start)
    assert not errors, "the server answered 5xx:\n" + "\n".join(errors) + "\n\n" + output
    assert result.returncode == 0, f"schemathesis exited {result.returncode}:\n{output}"
    assert "No tests were run" not in output, output
    return output


def test_schemathesis_all_checks_with_a_manager_token(fuzz_server, tmp_path):
    token = _manager_token(fuzz_server)
    _schemathesis(fuzz_server, tmp_path, token, *NOT_LOGOUT,
                  "--exclude-checks", ",".join(NOT_REQUIRED_CHECKS))
    # The token survived the run, so the authorized operations were really tested.
    me = requests.get(fuzz_server.url + "/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200, me.text


@pytest.mark.parametrize("path", LOGOUT_PATHS)
def test_schemathesis_all_checks_on_logout(fuzz_server, tmp_path, path):
    token = _manager_token(fuzz_server)  # a sign-in of its own, to be revoked
    output = _schemathesis(fuzz_server, tmp_path, token, "--include-path", path)
    assert "1 selected" in output, output
    # The logout did revoke the token it was called with.
    me = requests.get(fuzz_server.url + "/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 401, me.text


NUL_REQUESTS = {
    "api-v1-login-json": ("/api/v1/auth/login", {"json": {"username": "a\x00b", "password": "x"}}),
    "api-login-form": ("/api/auth/login", {"data": {"username": "a\x00b", "password": "x"}}),
    "api-v1-login-email": ("/api/v1/auth/login", {"json": {"email": "a\x00b", "password": "x"}}),
    "api-v1-register-name": ("/api/v1/auth/register", {"json": {
        "email": "nul-name@clinic.test", "password": "long-enough-1", "full_name": "A\x00B"}}),
}


@pytest.mark.parametrize("name", [*NUL_REQUESTS, "web-login"])
def test_nul_byte_is_a_client_error(live_server, name):
    if name == "web-login":
        session = requests.Session()
        page = session.get(live_server.url + "/login", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = session.post(live_server.url + "/login", timeout=10,
                                data={"csrf_token": token, "login": "a\x00b", "password": "x"})
    else:
        path, body = NUL_REQUESTS[name]
        response = requests.post(live_server.url + path, timeout=10, **body)
    assert response.status_code < 500, response.text[:500]
