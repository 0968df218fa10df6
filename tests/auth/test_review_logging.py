"""Review fixes: secrets and personal data stay out of logs.

Access tokens travel only in the Authorization header (a `?token=` URL ends up
in access logs); the request log, nginx's access log and gunicorn keep no
query string (document 000 still refreshes with `?refresh_token=`); SQL errors
never carry their parameters.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clinicapp.extensions import db

from ..conftest import ROOT
from .test_api_auth import ME_PATHS, assert_error, me, tokens_of, v1_login

NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"
DOCKERFILE = ROOT / "Dockerfile"
DEMO = {"username": "manager@clinic.test", "password": "demo-pass-2026"}


@pytest.mark.parametrize("path", ME_PATHS)
def test_an_access_token_in_the_query_string_is_not_accepted(client, make_user, path):
    access = tokens_of(v1_login(client, make_user("doctor").email))["access"]
    assert_error(client.get(path, query_string={"token": access}), 401, "not_authenticated")
    assert me(client, access, path).status_code == 200  # the header still works


def _log_lines(server, start: int) -> list[str]:
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        log.seek(start)
        return log.read().splitlines()


def test_the_request_log_has_paths_without_query_strings(live_server):
    start = live_server.log_path.stat().st_size
    pair = requests.post(live_server.url + "/api/v1/auth/login", json=DEMO, timeout=10).json()
    marker = uuid.uuid4().hex
    access = requests.get(f"{live_server.url}/api/v1/auth/me",
                          params={"token": pair["access"], "marker": marker}, timeout=10)
    assert access.status_code == 401
    refreshed = requests.post(f"{live_server.url}/api/auth/refresh",
                              params={"refresh_token": pair["refresh"]}, timeout=10)
    assert refreshed.status_code == 200, refreshed.text  # document 000 keeps working

    lines = _log_lines(live_server, start)
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    paths = {(e.get("path"), e.get("status")) for e in entries if e.get("message") == "request"}
    assert ("/api/v1/auth/me", 401) in paths and ("/api/auth/refresh", 200) in paths
    written = "\n".join(lines)
    for secret in (pair["access"], pair["refresh"], marker, "token="):
        assert secret not in written


def _log_format(conf: str) -> str:
    match = re.search(r"^\s*log_format\s+main\s+(.*?);", conf, re.S | re.M)
    assert match, "no log_format main"
    return match.group(1)


def test_nginx_access_log_has_no_query_strings():
    conf = NGINX_CONF.read_text()
    log_format = _log_format(conf)
    assert "$uri" in log_format
    for variable in ("$request ", '$request"', "$request_uri", "$args", "$query_string",
                     "$arg_", "$http_referer"):
        assert variable not in log_format, variable
    assert re.search(r"^\s*access_log\s+\S+\s+main;", conf, re.M)


def test_gunicorn_writes_no_access_log_of_its_own():
    cmd = DOCKERFILE.read_text().split("\nCMD ", 1)[1]
    assert "gunicorn" in cmd and "wsgi:app" in cmd
    assert "--access-logfile" not in cmd and "--access-logformat" not in cmd


def test_sql_errors_do_not_carry_their_parameters(app):
    assert db.engine.hide_parameters is True
    secret = "patient-secret-" + uuid.uuid4().hex
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT CAST(:value AS text), 1 / 0"), {"value": secret})
    db.session.rollback()
    assert "division by zero" in str(caught.value)
    assert secret not in str(caught.value)
