"""No overpayment under real concurrency: 16 HTTP clients pay one invoice at once on a
live server (each thread its own connection). The invoice's row lock lets through only
what fits; the rest get 400 naming what is due, and the paid sum never passes the total.
Likewise 16 simultaneous `payment/create` calls for one appointment register one order."""
from __future__ import annotations

import pytest
import requests

from tests.scheduling.test_race import _json, _race, desk  # noqa: F401

from .live_api import PATIENT, patient_books, staff_books, token

pytestmark = pytest.mark.live

CLIENTS = 16
MANAGER = {"username": "manager@clinic.test", "password": "demo-pass-2026"}


def test_16_clients_pay_one_invoice_at_once(live_server, desk):  # noqa: F811
    headers, branch, _, patients, _ = desk
    appointment = staff_books(live_server, headers, branch, patients[0])
    visit = requests.post(live_server.url + "/api/v1/visits/visits", headers=headers,
                          timeout=10, json={"appointment": appointment, "status": "completed"})
    assert visit.status_code == 201, visit.text
    invoice = requests.post(live_server.url + "/api/v1/billing/invoices", headers=headers,
                            timeout=10, json={"visit": visit.json()["id"], "amount": 1000})
    assert invoice.status_code == 201, invoice.text
    invoice_id = invoice.json()["id"]
    manager = token(live_server, MANAGER)
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


def test_16_simultaneous_payment_creates_register_one_order(live_server, desk):  # noqa: F811
    patient = token(live_server, PATIENT)
    appointment, price = patient_books(live_server, patient, desk[1])
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
