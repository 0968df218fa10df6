"""`make bench`: how fast the busy calendar and the patient search answer, on a live server.

A scratch database gets the demo data, one busy day in the first branch (20
doctors × 15 half-hour appointments, 300) and 100 000 more patients. A live server
(the same `python wsgi.py` the tests run) answers a receptionist's calendar page,
its grid fragment, one block (a live update), the JSON list of the day, a
doctor's free slots for a week, the front desk's board, and the patient list's
search-as-you-type (one rare letter, one common letter, a name, phone digits). Each
is requested REPEAT times after a warm-up; the table gives the median and the 95th
percentile in milliseconds, and the answer's size. The same numbers go to
instance/bench/calendar.json.

Speed is measured here, never asserted by timing in the tests (they count queries).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import requests
from sqlalchemy import create_engine, text

from clinicapp import create_app, embedded_db
from clinicapp.extensions import db
from clinicapp.org.clock import branch_zone
from clinicapp.org.models import Clinic
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment, WorkingInterval
from clinicapp.seed import DEMO_PASSWORD
from clinicapp.staff.models import Employee
from tests.conftest import ROOT, _migrated_database, serve
from tests.patients.bulk import insert_patients

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
WARMUP = 3
DOCTORS, PER_DOCTOR, MINUTES = 20, 15, 30
DAYS_AHEAD = 21  # past the demo month: the busy day holds only the bench's appointments
OUT = ROOT / "instance" / "bench" / "calendar.json"


def _server() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or embedded_db.start(ROOT / "instance" / "test-pgdata", cleanup="delete")


def _busy_day(database_url: str) -> tuple[int, date, int]:
    """Fill one day of the first branch: (branch id, the day, a doctor's id)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url.replace(
        "postgresql://", "postgresql+psycopg2://", 1)})
    with app.app_context():
        clinic = db.session.scalar(db.select(Clinic).order_by(Clinic.id))
        today = datetime.now(branch_zone(clinic)).date()
        day = today + timedelta(days=DAYS_AHEAD)
        doctors = [d for d in db.session.scalars(db.select(Employee).where(
            Employee.is_doctor, Employee.is_active).order_by(Employee.id))
            if any(b.id == clinic.id for b in d.branches)]
        for n in range(DOCTORS - len(doctors)):
            doctor = Employee(organization_id=clinic.organization_id, last_name=f"Нагрузкин{n:02d}",
                              first_name="Тест", is_doctor=True, specializations=["терапевт"],
                              position="Врач-терапевт")
            doctor.branches = [clinic]
            db.session.add(doctor)
            db.session.flush()
            db.session.add(WorkingInterval(employee_id=doctor.id, clinic_id=clinic.id,
                                           weekday=day.weekday(), starts_at=clock(8),
                                           ends_at=clock(20)))
            doctors.append(doctor)
        patients = list(db.session.scalars(db.select(Patient.id).order_by(Patient.id)))
        zone = branch_zone(clinic)
        for n, doctor in enumerate(doctors[:DOCTORS]):
            for slot in range(PER_DOCTOR):
                start = datetime.combine(day, clock(8), zone) + timedelta(minutes=MINUTES * slot)
                db.session.add(Appointment(
                    clinic_id=clinic.id, employee_id=doctor.id,
                    patient_id=patients[(n * PER_DOCTOR + slot) % len(patients)],
                    starts_at=start, ends_at=start + timedelta(minutes=MINUTES)))
        db.session.commit()
        return clinic.id, day, doctors[0].id


def _many_patients(database_url: str) -> None:
    """100 000 more patients in the demo organization, vacuumed as autovacuum would."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        organization = connection.scalar(text("SELECT min(id) FROM organizations"))
        insert_patients(connection, organization)
        connection.execute(text("VACUUM ANALYZE patients"))
    engine.dispose()


def _web_session(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=30).text
    token = page.split('csrf-token" content="', 1)[1].split('"', 1)[0]
    response = session.post(base + "/login", data={
        "csrf_token": token, "login": "reception@clinic.test", "password": DEMO_PASSWORD},
        allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    return session


def _api_session(base: str) -> requests.Session:
    session = requests.Session()
    response = session.post(base + "/api/v1/auth/login", json={
        "username": "reception@clinic.test", "password": DEMO_PASSWORD}, timeout=30)
    assert response.status_code == 200, response.text
    session.headers["Authorization"] = "Bearer " + response.json()["access"]
    return session


def _measure(session: requests.Session, url: str, **kwargs) -> dict:
    for _ in range(WARMUP):
        session.get(url, timeout=60, **kwargs)
    times, size = [], 0
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = session.get(url, timeout=60, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        size = len(response.content)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1), "bytes": size}


def main() -> int:
    server = _server()
    name = f"clinicapp_bench_{os.getpid()}"
    url = _migrated_database(server, name)
    live = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"], cwd=ROOT,
                       env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True)
        branch, day, doctor = _busy_day(url)
        _many_patients(url)
        live = serve(url)
        base = live.url
        web, api = _web_session(base), _api_session(base)
        grid = f"{base}/calendar/?branch={branch}&date={day.isoformat()}"
        appointment = api.get(f"{base}/api/v1/calendar/appointments", params={
            "branch": branch, "date_from": day.isoformat(), "date_to": day.isoformat(),
            "limit": 1}, timeout=30).json()[0]["id"]
        cases = {
            "calendar page, 20 doctors × 300 appointments": (web, grid, {}),
            "calendar grid fragment (htmx)": (web, grid, {"headers": {"HX-Request": "true"}}),
            "one appointment block (live update)": (
                web, f"{base}/calendar/appointments/{appointment}/block?origin=480&last=1200",
                {}),
            "API: the day's appointments (limit 100)": (
                api, f"{base}/api/v1/calendar/appointments?branch={branch}"
                     f"&date_from={day}&date_to={day}&limit=100", {}),
            "API: a doctor's free slots, one week": (
                api, f"{base}/api/v1/doctors/{doctor}/slots?clinic_id={branch}"
                     f"&date_from={day}&date_to={day + timedelta(days=6)}", {}),
            "front desk board (today)": (web, f"{base}/desk/?branch={branch}",
                                         {"headers": {"HX-Request": "true"}}),
            **{f"patient search «{typed}», 100 000 patients (htmx)": (
                web, f"{base}/patients/", {"params": {"q": typed},
                                           "headers": {"HX-Request": "true"}})
               for typed in ("ю", "и", "иванов", "916 555")},
        }
        results = {label: _measure(session, target, **kwargs)
                   for label, (session, target, kwargs) in cases.items()}
    finally:
        if live is not None:
            live.stop()
        embedded_db.drop_database(server, name)
    width = max(map(len, results))
    print(f"\n{'':{width}}  median ms   p95 ms    bytes   ({REPEAT} requests each)")
    for label, row in results.items():
        print(f"{label:{width}}  {row['median_ms']:9}  {row['p95_ms']:7}  {row['bytes']:7}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"repeat": REPEAT, "day": day.isoformat(), "results": results},
                              ensure_ascii=False, indent=2))
    print(f"\nSaved to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
