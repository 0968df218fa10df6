"""THROWAWAY review probe; delete after use."""
from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest

from clinicapp.catalog.models import Service
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment
from clinicapp.staff.models import Employee
from tests.conftest import csrf_token
from tests.scheduling.conftest import at, future_day, make_doctor


def show(label, response):
    body = response.get_data(as_text=True)
    print(f"\n### {label}: {response.status_code} {dict(response.headers).get('X-Calendar-Outside','')}"
          f" {response.headers.get('HX-Trigger','')[:200]} :: {(body[:3000] if 'FULL' in label else body[:300])!r}")


@pytest.fixture
def probe_client(app, client, world, web_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    user = web_as("receptionist", branches=[world.a])
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))

    def post(url, data, **headers):
        return client.post(url, data=data, headers={"HX-Request": "true", "X-CSRFToken": token,
                                                    **headers})
    yield client, post
    app.config["PROPAGATE_EXCEPTIONS"] = None


def test_odd_inputs(probe_client, world, add_appointment):
    client, post = probe_client
    day = future_day(0)
    appt = add_appointment(at(day, "10:00"))
    a = world.a.id
    gets = [
        "/calendar/?branch=%C2%B2",
        f"/calendar/?branch={a}&date=2100-12-31&view=week",
        f"/calendar/?branch={a}&doctor=%C2%B2&view=week",
        f"/calendar/appointments/{appt.id}/block?origin=%C2%B2",
        f"/calendar/appointments/{appt.id}/block?origin=0&last=1440",
        f"/calendar/appointments/{appt.id}/block?origin=660&last=720",
        f"/calendar/first-free?branch={a}&doctor=%C2%B2",
        f"/calendar/first-free?branch={a}&doctor={world.doctor.id}&minutes=%C2%B2",
        f"/calendar/first-free?branch={a}&doctor={world.doctor.id}&service=%C2%B2",
        f"/calendar/first-free?branch={a}&doctor={world.doctor.id}&service=99999999999",
        f"/calendar/first-free?branch={a}&doctor=99999999999",
        f"/calendar/first-free?branch={a}&doctor={world.doctor.id}&day=2100-12-31",
        f"/calendar/first-free?branch={a}&doctor={world.doctor.id}&minutes=0",
        "/calendar/new?branch=%C2%B2",
        f"/calendar/new?branch={a}&doctor=%C2%B2",
        f"/calendar/new?branch={a}&day=2100-13-01",
        f"/calendar/new?branch={a}&time=%D9%A1%D9%A0:%D9%A0%D9%A0",
        f"/calendar/services?branch={a}&doctor=%C2%B2",
        f"/calendar/services?branch={a}&doctor=99999999999",
        "/calendar/first-free?doctor=1",
        f"/calendar/patients?q={'я' * 200}",
    ]
    for url in gets:
        show("GET " + url, client.get(url, headers={"HX-Request": "true"}))


def test_overflow_and_missing(probe_client, world, add_appointment):
    client, post = probe_client
    day = future_day(0)
    appt = add_appointment(at(day, "10:00"))
    a = world.a.id
    base = {"doctor": world.doctor.id, "day": day.isoformat(), "time": "10:00",
            "service": world.service.id, "patient": world.patient.id}
    show("new 9999-12-31 minutes=720",
         post(f"/calendar/new?branch={a}", {**base, "day": "9999-12-31", "time": "23:00",
                                            "minutes": "720"}))
    show("new 31.12.9999 minutes=60",
         post(f"/calendar/new?branch={a}", {**base, "day": "31.12.9999", "time": "23:30",
                                            "minutes": "60"}))
    show("move 9999-12-31",
         post(f"/calendar/appointments/{appt.id}/move",
              {"doctor": world.doctor.id, "day": "9999-12-31", "time": "23:30", "minutes": "60"}))
    show("edit 9999-12-31",
         post(f"/calendar/appointments/{appt.id}/edit",
              {"doctor": world.doctor.id, "day": "9999-12-31", "time": "23:30", "minutes": "60",
               "service": "0"}))
    show("edit missing", post(f"/calendar/appointments/{appt.id}/edit", {}))
    show("move missing", post(f"/calendar/appointments/{appt.id}/move", {}))
    show("move minutes=0", post(f"/calendar/appointments/{appt.id}/move",
                                {"doctor": world.doctor.id, "day": day.isoformat(),
                                 "time": "11:00", "minutes": "0"}))
    show("move doctor 2^40", post(f"/calendar/appointments/{appt.id}/move",
                                  {"doctor": str(2**40), "day": day.isoformat(), "time": "11:00"}))
    show("status no csrf", client.post(f"/calendar/appointments/{appt.id}/status",
                                       data={"status": "confirmed"}))
    show("move ok bad origin (committed?)",
         post(f"/calendar/appointments/{appt.id}/move?origin=abc",
              {"doctor": world.doctor.id, "day": day.isoformat(), "time": "11:00"}))
    db.session.expire_all()
    print("### after move with bad origin starts_at:", db.session.get(Appointment, appt.id).starts_at)


def test_cross_org_doctor_name_leak(probe_client, world):
    client, post = probe_client
    org = Organization(name="Чужая")
    db.session.add(org)
    db.session.flush()
    clinic = Clinic(organization=org, name="Чужой филиал", timezone="Europe/Moscow")
    db.session.add(clinic)
    db.session.commit()
    stranger = make_doctor([clinic], "Секретный")
    show("FULL first-free foreign doctor",
         client.get(f"/calendar/first-free?branch={world.a.id}&doctor={stranger.id}"))
    svc = Service(code="X", name="Чужая услуга", price=Decimal("1"), duration_minutes=90)
    svc.clinics = [clinic]
    db.session.add(svc)
    db.session.commit()
    show("first-free foreign service",
         client.get(f"/calendar/first-free?branch={world.a.id}&doctor={world.doctor.id}&service={svc.id}"))
    foreign_patient = Patient(organization_id=org.id, last_name="Чужой", first_name="П",
                              extra_phones=[])
    db.session.add(foreign_patient)
    db.session.commit()
    day = future_day(0)
    show("new with foreign patient", post(f"/calendar/new?branch={world.a.id}", {
        "doctor": world.doctor.id, "day": day.isoformat(), "time": "10:00",
        "service": world.service.id, "patient": foreign_patient.id}))
    show("new with foreign doctor", post(f"/calendar/new?branch={world.a.id}", {
        "doctor": stranger.id, "day": day.isoformat(), "time": "10:00",
        "service": 0, "minutes": "30", "patient": world.patient.id}))


def test_edit_doctor_and_service_together(probe_client, world, add_appointment):
    client, post = probe_client
    only_doc = Service(code="D1", name="Только Докторов", price=Decimal("1"), duration_minutes=30)
    only_doc.clinics, only_doc.doctors = [world.a], [world.doctor]
    only_other = Service(code="D2", name="Только Другов", price=Decimal("1"), duration_minutes=30)
    only_other.clinics, only_other.doctors = [world.a], [world.other_doctor]
    db.session.add_all([only_doc, only_other])
    db.session.commit()
    day = future_day(0)
    appt = add_appointment(at(day, "10:00"), service=only_doc)
    r = post(f"/calendar/appointments/{appt.id}/edit", {
        "doctor": world.other_doctor.id, "day": day.isoformat(), "time": "10:00",
        "minutes": "30", "service": only_other.id})
    show("FULL edit doctor+service", r)


def test_new_patient_refused_nothing_written(probe_client, world, add_appointment):
    client, post = probe_client
    day = future_day(2)
    add_appointment(at(day, "10:00"), patient=world.patient2)
    before = db.session.scalar(db.select(db.func.count()).select_from(Patient))
    r = post(f"/calendar/new?branch={world.a.id}", {
        "doctor": world.doctor.id, "day": day.isoformat(), "time": "10:00",
        "service": world.service.id, "new_patient": "y", "last_name": "Х", "first_name": "У"})
    show("new patient, taken slot", r)
    db.session.expire_all()
    print("### patients before/after", before,
          db.session.scalar(db.select(db.func.count()).select_from(Patient)))


def test_cross_branch_receptionist(app, client, world, web_as, add_appointment):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    day = future_day(0)
    appt = add_appointment(at(day, "10:00"))
    web_as("receptionist", branches=[world.b])
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))
    h = {"HX-Request": "true", "X-CSRFToken": token}
    for url in [f"/calendar/?branch={world.a.id}", f"/calendar/appointments/{appt.id}",
                f"/calendar/appointments/{appt.id}/block", f"/calendar/appointments/{appt.id}/edit",
                f"/calendar/services?branch={world.a.id}&doctor={world.doctor.id}",
                f"/calendar/first-free?branch={world.a.id}&doctor={world.doctor.id}",
                f"/calendar/new?branch={world.a.id}",
                f"/calendar/first-free?branch={world.b.id}&doctor={world.other_doctor.id}",
                ]:
        show("B GET " + url, client.get(url, headers=h))
    show("B new in own branch with A-only doctor", client.post(
        f"/calendar/new?branch={world.b.id}", headers=h, data={
            "doctor": world.other_doctor.id, "day": day.isoformat(), "time": "12:00",
            "minutes": "30", "service": "0", "patient": world.patient.id}))
    show("B move A appt", client.post(f"/calendar/appointments/{appt.id}/move", headers=h, data={
        "doctor": world.doctor.id, "day": day.isoformat(), "time": "11:00"}))
    show("B status A appt", client.post(f"/calendar/appointments/{appt.id}/status", headers=h,
                                        data={"status": "confirmed"}))
    show("B cancel A appt", client.post(f"/calendar/appointments/{appt.id}/cancel", headers=h,
                                        data={"reason": "x"}))
    app.config["PROPAGATE_EXCEPTIONS"] = None
