"""Schemathesis over the whole JSON API, against the live server with the demo data.

`--checks all` (no server errors, status codes, content types, headers and bodies
matching the OpenAPI document, valid data accepted, invalid data rejected, …).

Two kinds of pass, because a logout revokes the token it is called with (and every
refresh token of that sign-in), after which every authorized operation would
rightly answer 401 and schemathesis would test nothing behind the token:

* every operation except the logouts, with a demo manager's access token; the run
  fails if the token stopped working (schemathesis' `missing_auth` warning);
* each logout on its own, with a token of a separate sign-in that it may revoke.

Only loopback is contacted: the schema and the API both come from the live server.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.live

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
DEMO_MANAGER = {"username": "manager@clinic.test", "password": "demo-pass-2026"}
LOGOUT_PATHS = ("/api/auth/logout", "/api/v1/auth/logout")
# Per operation: ~30 cases × 13 operations × the coverage and fuzzing phases take
# seconds here; raise it locally for a deeper run (SCHEMATHESIS_MAX_EXAMPLES=500).
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50")
CONFIG = """
[warnings]
# An authorized operation that only ever answered 401/403 means the token did not work.
fail-on = ["missing_auth", "unmatched_filter"]
"""


def _access_token(base: str) -> str:
    response = requests.post(base + "/api/v1/auth/login", json=DEMO_MANAGER, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access"]


def _schemathesis(live_server, tmp_path: Path, token: str, *filters: str):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "run",
        live_server.url + "/api/openapi.json",
        "--checks", "all",
        "--max-examples", MAX_EXAMPLES,
        "--header", f"Authorization: Bearer {token}",
        "--request-timeout", "10",
        "--generation-database", "none",  # nothing written into the repository
        "--no-color",
        *filters,
    ]
    if seed := os.environ.get("SCHEMATHESIS_SEED"):
        command += ["--seed", seed]
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(proxy, None)
    log_start = live_server.log_path.stat().st_size
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    output = result.stdout + result.stderr
    print(output)  # shown by pytest on failure
    errors = _server_errors(live_server.log_path, log_start)
    assert not errors, "the server answered 5xx:\n" + "\n".join(errors) + "\n" + output[-5000:]
    return result.returncode, output


def _server_errors(log_path: Path, start: int) -> list[str]:
    """5xx answers to /api requests the server logged since `start` (a belt to --checks)."""
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


def test_schemathesis_all_checks_with_a_manager_token(live_server, tmp_path):
    token = _access_token(live_server.url)
    code, output = _schemathesis(live_server, tmp_path, token,
                                 "--exclude-path-regex", r"/auth/logout$")
    assert code == 0, "schemathesis found problems:\n" + output[-20000:]
    assert "No tests were run" not in output
    # The token survived the run: the authorized operations were really tested.
    me = requests.get(live_server.url + "/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200, me.text


@pytest.mark.parametrize("path", LOGOUT_PATHS)
def test_schemathesis_all_checks_on_logout(live_server, tmp_path, path):
    token = _access_token(live_server.url)  # a sign-in of its own, to be revoked
    code, output = _schemathesis(live_server, tmp_path, token, "--include-path", path)
    assert code == 0, "schemathesis found problems:\n" + output[-20000:]
    assert "1 selected" in output, output[-3000:]
    # Logout did revoke the token it was called with.
    me = requests.get(live_server.url + "/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 401, me.text
