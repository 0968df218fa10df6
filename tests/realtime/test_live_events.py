"""Changes made through the HTTP API reach the open calendars of that branch, and only those."""
import requests

from .conftest import api, sio_client, sio_event, sio_silent, ws_connect, ws_event, ws_silent


def test_created_appointment_reaches_its_branch_only(demo, book):
    here = ws_connect(demo.url, demo.home, f"?token={demo.reception}")
    there = ws_connect(demo.url, demo.other, f"?token={demo.manager}")
    with sio_client(demo.url, join=demo.home, auth={"token": demo.reception}) as listener, \
            sio_client(demo.url, join=demo.other, auth={"token": demo.manager}) as stranger:
        appointment = book(demo.home)
        expected = {"type": "appointment_created", "appointment": appointment}
        assert sio_event(listener, appointment["id"], "appointment_created") == expected
        assert ws_event(here, appointment["id"], "appointment_created") == expected
        sio_silent(stranger, appointment["id"])
        ws_silent(there)
    here.close()
    there.close()


def test_move_update_and_cancel_are_announced(demo, book):
    appointment = book(demo.home)
    ident, path = appointment["id"], f"/api/v1/calendar/appointments/{appointment['id']}"
    raw = ws_connect(demo.url, demo.home, cookie=demo.cookie)  # the page's session
    with sio_client(demo.url, join=demo.home, headers={"Cookie": demo.cookie}) as page:
        moved = api(demo.url, demo.reception, "POST", path + "/move", json={
            "start_datetime": appointment["end_datetime"], "override_hours": True})
        for received in (sio_event(page, ident, "appointment_moved"),
                         ws_event(raw, ident, "appointment_moved")):
            assert received["appointment"]["start_datetime"] == moved["start_datetime"]

        api(demo.url, demo.reception, "PATCH", path, json={"comment": "Позвонить <заранее>"})
        for received in (sio_event(page, ident, "appointment_updated"),
                         ws_event(raw, ident, "appointment_updated")):
            assert received["appointment"]["comment"] == "Позвонить <заранее>"

        api(demo.url, demo.reception, "DELETE", path + "?reason=Пациент заболел")
        for received in (sio_event(page, ident, "appointment_cancelled"),
                         ws_event(raw, ident, "appointment_cancelled")):
            assert received["appointment"]["status"] == "cancelled"
            assert received["appointment"]["cancel_reason"] == "Пациент заболел"
    raw.close()


def test_refused_change_announces_nothing(demo, book):
    appointment = book(demo.home)
    raw = ws_connect(demo.url, demo.home, f"?token={demo.manager}")
    clash = {"start_datetime": appointment["start_datetime"],
             "end_datetime": appointment["end_datetime"], "override_hours": True}
    other = book(demo.home)
    ws_event(raw, other["id"], "appointment_created")
    response = requests.post(f"{demo.url}/api/v1/calendar/appointments/{other['id']}/move",
                             json=clash, headers={"Authorization": f"Bearer {demo.manager}"},
                             timeout=5)
    assert response.status_code == 409, response.text
    ws_silent(raw)
    raw.close()



def test_a_payment_reaches_the_calendars_as_the_appointments_payment_status(demo, book):
    appointment = book(demo.home)
    ident = appointment["id"]
    raw = ws_connect(demo.url, demo.home, f"?token={demo.manager}")
    visit = api(demo.url, demo.reception, "POST", "/api/v1/visits/visits",
                json={"appointment": ident, "status": "completed"})
    invoice = api(demo.url, demo.reception, "POST", "/api/v1/billing/invoices",
                  json={"visit": visit["id"], "amount": 1500})
    assert ws_event(raw, ident, "appointment_updated")["appointment"]["payment_status"] == \
        "unpaid"  # the visit's step
    api(demo.url, demo.manager, "POST", "/api/v1/billing/payments",
        json={"invoice": invoice["id"], "method": "card", "amount": 1500})
    received = ws_event(raw, ident, "appointment_updated")
    assert received["appointment"]["payment_status"] == "paid"
    raw.close()
