"""Helpers of tests that drive a live server over HTTP as the demo users."""
from __future__ import annotations

import pytest
import requests

from tests.scheduling.test_race import _json

PATIENT = {"username": "patient@clinic.test", "password": "demo-pass-2026"}


def token(live_server, credentials) -> dict:
    token = _json(requests.post(live_server.url + "/api/v1/auth/login", json=credentials,
                                timeout=30))["access"]
    return {"Authorization": f"Bearer {token}"}


def patient_books(live_server, patient, branch) -> tuple[int, float]:
    """The demo patient books a priced service of some doctor of the branch through
    document 001's API, at free time late in the list: (appointment id, the price)."""
    doctors = _json(requests.get(live_server.url + "/api/v1/doctors", timeout=10,
                                 params={"clinic_id": branch}))
    for doctor in doctors:
        services = _json(requests.get(live_server.url + "/api/v1/services", timeout=10,
                                      params={"clinic_id": branch, "doctor_id": doctor["id"]}))
        for service in (s for s in services if s["price"]):
            found = _json(requests.get(f"{live_server.url}/api/v1/doctors/{doctor['id']}/slots",
                                       timeout=10, params={"clinic_id": branch,
                                                           "service_id": service["id"]}))
            for slot in reversed(found):
                response = requests.post(live_server.url + "/api/v1/appointments",
                                         headers=patient, timeout=10, json={
                                             "clinic_id": branch, "doctor_id": doctor["id"],
                                             "service_id": service["id"], "date": slot["date"],
                                             "time": slot["time"]})
                if response.status_code == 201:
                    return response.json()["id"], service["price"]
    pytest.fail("the demo patient could not book a priced service")
