"""Helpers of tests that drive a live server over HTTP as the demo users."""
from __future__ import annotations

from datetime import date, timedelta

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


def staff_books(live_server, headers, branch, patient_id) -> int:
    """The front desk books a 30-minute appointment for the patient with some doctor of the
    branch, at free time a week or more ahead (late slots first, so tests that race for
    today's time elsewhere in the session leave them alone): the appointment's id."""
    doctors = _json(requests.get(live_server.url + "/api/v1/doctors", timeout=10,
                                 params={"clinic_id": branch}))
    start = date.today() + timedelta(days=7)
    for doctor in doctors:
        found = _json(requests.get(f"{live_server.url}/api/v1/doctors/{doctor['id']}/slots",
                                   timeout=10, params={
                                       "clinic_id": branch, "duration": 30,
                                       "date_from": start.isoformat(),
                                       "date_to": (start + timedelta(days=7)).isoformat()}))
        for slot in reversed(found):
            response = requests.post(live_server.url + "/api/v1/calendar/appointments",
                                     headers=headers, timeout=10, json={
                                         "branch": branch, "employee": doctor["id"],
                                         "patient": patient_id,
                                         "start_datetime": slot["start_datetime"],
                                         "end_datetime": slot["end_datetime"]})
            if response.status_code == 201:
                return response.json()["id"]
    pytest.fail("the front desk could not book anyone in the demo data")
