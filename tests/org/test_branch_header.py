"""`X-Branch-Id` (document 002) means the same on every endpoint that reads it, and the
OpenAPI document says so: an optional header of digits, with 400 / 403 / 404 answers."""
from __future__ import annotations

import re

import pytest

from tests.conftest import bearer

ENDPOINTS = ("/api/v1/org/branches", "/api/v1/patients/patients", "/api/v1/staff/employees",
             "/api/v1/calendar/appointments?date_from=2030-01-01&date_to=2030-01-02",
             "/api/v1/services/services")


@pytest.fixture
def headers(make_user, make_clinic, api_login):
    home, other = make_clinic("Свой филиал"), make_clinic("Чужой филиал")
    user = make_user("manager", branches=[home])
    return bearer(api_login(user.email)["access"]), home, other


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_header_means_the_same_everywhere(client, headers, path):
    auth, home, other = headers
    assert client.get(path, headers={**auth, "X-Branch-Id": str(home.id)}).status_code == 200
    for value, status in ((" ", 400), ("abc", 400), ("0", 400), (str(other.id), 403),
                          ("999999", 404)):
        response = client.get(path, headers={**auth, "X-Branch-Id": value})
        assert response.status_code == status, (value, response.get_json())
        assert response.get_json()["detail"]


def test_openapi_declares_it(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ENDPOINTS:
        operation = spec["paths"][path.split("?")[0]]["get"]
        header = next(p for p in operation["parameters"] if p["name"] == "X-Branch-Id")
        assert header["in"] == "header" and not header["required"]
        # Digits as text: a header is a string on the wire.
        assert header["schema"]["type"] == "string"
        assert re.fullmatch(header["schema"]["pattern"], "12")
        assert not re.fullmatch(header["schema"]["pattern"], "0")
        assert not re.fullmatch(header["schema"]["pattern"], "abc")
        assert {"400", "403", "404"} <= set(operation["responses"])
