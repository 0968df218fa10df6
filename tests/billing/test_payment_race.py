"""No overpayment under real concurrency: 16 HTTP clients pay one invoice at once on a
live server (each thread its own connection). The invoice's row lock lets through only
what fits; the rest get 400 naming what is due, and the paid sum never passes the total.
Likewise 16 simultaneous `payment/create` calls for one appointment register one order."""
from __future__ import annotations

import pytest
import requests

from tests.scheduling.test_race import _disjoint, _json, _race, desk  # noqa: F401

pytestmark = pytest.mark.live

CLIENTS = 16
MANAGER = {"username": "manager@clinic.test", "password": "demo-pass-2026"}
PATIENT = {"username": "patient@clinic.test", "password": "demo-pass-2026"}


def _token(live_server, credentials) -> dict:
    token = _json(requests.post(live_server.url + "/api/v1/auth/login", json=credentials,
                                timeout=30))["access"]
    return {"Authorization": f"Bearer {token}"}


def _book(live_server, desk, slot, patient_id) -> int:  # noqa: F811 - the fixture's value
    headers, branch, doctor, _, _ = desk
    response = requests.post(live_server.url + "/api/v1/calendar/appointments",
                             headers=headers, timeout=10, json={
                                 "branch": branch, "employee": doctor, "patient": patient_id,
                                 "start_datetime": slot["start_datetime"],
                                 "end_datetime": slot["end_datetime"]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_16_clients_pay_one_invoice_at_once(live_server, desk):  # noqa: F811
    headers, _, _, patients, found = desk
    appointment = _book(live_server, desk, _disjoint(found, 8)[-2], patients[0])
    visit = requests.post(live_server.url + "/api/v1/visits/visits", headers=headers,
                          timeout=10, json={"appointment": appointment, "status": "completed"})
    assert visit.status_code == 201, visit.text
    invoice = requests.post(live_server.url + "/api/v1/billing/invoices", headers=headers,
                            timeout=10, json={"visit": visit.json()["id"], "amount": 1000})
    assert invoice.status_code == 201, invoice.text
    invoice_id = invoice.json()["id"]
    manager = _token(live_server, MANAGER)
    url = live_server.url + "/api/v1/billing/payments"
    responses = _race(lambda session, _: session.post(url, headers=manager, timeout=60, json={
        "invoice": invoice_id, "method": "cash", "amount": 300}), range(CLIENTS))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [400] * (CLIENTS - 3), [r.text[:200] for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json()["error"] == "overpayment"
            assert response.json()["details"]["amount_due"] == "100.00"
    final = _json(requests.get(f"{live_server.url}/api/v1/billing/invoices/{invoice_id}",
                               headers=manager, timeout=10))
    assert final["paid"] == 900 and final["due"] == 100 and len(final["payments"]) == 3


def _patient_books(live_server, patient, branch) -> tuple[int, float]:
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


def test_16_simultaneous_payment_creates_register_one_order(live_server, desk):  # noqa: F811
    patient = _token(live_server, PATIENT)
    appointment, price = _patient_books(live_server, patient, desk[1])
    url = live_server.url + "/api/v1/payment/create"
    responses = _race(lambda session, _: session.post(url, headers=patient, timeout=60, json={
        "appointment_id": appointment, "amount": price}), range(CLIENTS))
    codes = sorted(r.status_code for r in responses)
    created = {(r.json()["payment_id"], r.json()["payment_url"]) for r in responses
               if r.status_code == 200}
    # Each waited for the one before it on the appointment's row lock and got its payment:
    # one invoice, one order at the bank.
    assert codes == [200] * CLIENTS, [r.text[:200] for r in responses if r.status_code != 200]
    assert len(created) == 1
    again = requests.post(url, headers=patient, timeout=10,
                          json={"appointment_id": appointment, "amount": price})
    assert (again.json()["payment_id"], again.json()["payment_url"]) in created
