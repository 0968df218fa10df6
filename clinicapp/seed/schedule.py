"""Demo schedule: weekly templates of the 12 doctors, a vacation, a sick day, an extra
shift, and a month of appointments around today (the past two weeks done, missed or
cancelled; the next two weeks booked or confirmed), with visits for those who came.

Idempotent: templates only for doctors who have none, exceptions looked up by
doctor, day and kind, appointments only when there are none at all. The
appointments are generated inside each doctor's working hours one after
another, so they never overlap (the exclusion constraint would refuse them).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..catalog.models import Service
from ..core.models import utcnow
from ..extensions import db
from ..org.clock import branch_today
from ..patients.models import Patient
from ..scheduling.models import Appointment, ScheduleException, Visit, WorkingInterval
from ..scheduling.slots import branch_hours

SEED = 4242
DAYS_BACK = DAYS_AHEAD = 14
DEFAULT_MINUTES = 30
# Per branch index: weekday intervals and the Saturday one (local time).
HOURS = {
    0: ((("09:00", "13:00"), ("14:00", "18:00")), ("10:00", "15:00")),
    1: ((("09:00", "14:00"), ("15:00", "19:00")), ("10:00", "16:00")),
    2: ((("09:00", "13:00"), ("14:00", "18:00")), ("09:00", "14:00")),
}
SATURDAY_DOCTORS = (0, 2, 6, 9)  # indexes in the demo doctors' list
COMMENTS = ("Просит позвонить накануне", "Первичный, направление от терапевта",
            "Повторный по результатам анализов", "Предпочитает утро", None, None, None, None)
CANCEL_REASONS = ("Пациент заболел", "Перенос по просьбе пациента", "Не смог прийти: работа")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _templates(clinics: list, doctors: list) -> None:
    """Mon–Fri in the doctor's branch (alternating days between two), some Saturdays."""
    index_of = {clinic.id: i for i, clinic in enumerate(clinics)}
    for n, doctor in enumerate(doctors):
        if db.session.scalar(db.select(WorkingInterval.id).where(
                WorkingInterval.employee_id == doctor.id).limit(1)) is not None:
            continue
        branches = [b for b in doctor.branches if b.id in index_of]
        if not branches:
            continue
        for weekday in range(5):
            branch = branches[weekday % len(branches)]
            weekdays, _ = HOURS[index_of.get(branch.id, 0) % len(HOURS)]
            for start, end in weekdays:
                db.session.add(WorkingInterval(employee_id=doctor.id, clinic_id=branch.id,
                                               weekday=weekday, starts_at=_clock(start),
                                               ends_at=_clock(end)))
        if n in SATURDAY_DOCTORS:
            branch = branches[0]
            start, end = HOURS[index_of.get(branch.id, 0) % len(HOURS)][1]
            db.session.add(WorkingInterval(employee_id=doctor.id, clinic_id=branch.id, weekday=5,
                                           starts_at=_clock(start), ends_at=_clock(end)))
    db.session.flush()


def _exception(doctor, day: date, kind: str, clinic=None, hours=None, note=None) -> None:
    exists = db.session.scalar(db.select(ScheduleException.id).where(
        ScheduleException.employee_id == doctor.id, ScheduleException.day == day,
        ScheduleException.kind == kind).limit(1))
    if exists is None:
        start, end = (_clock(hours[0]), _clock(hours[1])) if hours else (None, None)
        db.session.add(ScheduleException(employee_id=doctor.id, day=day, kind=kind,
                                         clinic_id=clinic.id if clinic else None,
                                         starts_at=start, ends_at=end, note=note))


def _exceptions(clinics: list, doctors: list, today: date) -> None:
    """A vacation next week, a past sick day, a dentist's afternoon off, a Sunday shift."""
    monday = today - timedelta(days=today.weekday())
    if len(doctors) > 3:
        for offset in range(7, 12):
            _exception(doctors[3], monday + timedelta(days=offset), "vacation",
                       note="Ежегодный отпуск")
    if len(doctors) > 8:
        _exception(doctors[8], monday - timedelta(days=5), "sick_leave", note="Больничный")
    if len(doctors) > 1:
        _exception(doctors[1], monday + timedelta(days=2), "day_off", hours=("14:00", "18:00"),
                   note="Конференция")
    if doctors:
        branch = doctors[0].branches[0] if doctors[0].branches else clinics[0]
        _exception(doctors[0], monday + timedelta(days=6), "extra_shift", clinic=branch,
                   hours=("10:00", "14:00"), note="Дежурство выходного дня")
    db.session.flush()


def _services() -> list[Service]:
    return list(db.session.scalars(db.select(Service).where(Service.is_active).options(
        selectinload(Service.doctors), selectinload(Service.clinics))))


def _fitting(services: list[Service], doctor, clinic) -> list[Service]:
    return [s for s in services if any(d.id == doctor.id for d in s.doctors)
            and any(c.id == clinic.id for c in s.clinics)]


def _status(rng: random.Random, start: datetime, end: datetime, now: datetime) -> str:
    if end <= now:
        return rng.choices(("completed", "no_show", "cancelled"), (78, 9, 13))[0]
    if start <= now:
        return "in_progress"
    if start - now <= timedelta(minutes=40):
        return rng.choices(("arrived", "confirmed"), (60, 40))[0]
    return rng.choices(("booked", "confirmed", "cancelled"), (58, 34, 8))[0]


def _visit(appointment: Appointment, rng: random.Random) -> Visit | None:
    """The visit row of an appointment in a visit status (as the status service writes it)."""
    if appointment.status == "no_show":  # marked by the periodic job (no actor)
        return Visit(appointment=appointment, status="no_show",
                     no_show_at=appointment.starts_at + timedelta(minutes=30))
    if appointment.status not in ("arrived", "in_progress", "completed"):
        return None
    arrived = appointment.starts_at - timedelta(minutes=rng.randint(3, 15))
    visit = Visit(appointment=appointment, status=appointment.status, arrived_at=arrived)
    if appointment.status in ("in_progress", "completed"):
        visit.started_at = appointment.starts_at + timedelta(minutes=rng.randint(0, 5))
    if appointment.status == "completed":
        visit.finished_at = appointment.ends_at
    return visit


def _fill_day(rng, doctor, clinic, working, services, patients, now) -> list[Appointment]:
    """Appointments one after another inside the working intervals, with free gaps."""
    made = []
    for start, end in working:
        moment = start
        while True:
            service = rng.choice(services) if services else None
            minutes = service.duration_minutes if service else DEFAULT_MINUTES
            minutes = -(-minutes // 15) * 15  # whole quarter hours on the calendar
            if moment + timedelta(minutes=minutes) > end:
                break
            if rng.random() < 0.3:  # a free slot left for walk-ins and the apps
                moment += timedelta(minutes=15 * rng.randint(1, 2))
                continue
            finish = moment + timedelta(minutes=minutes)
            status = _status(rng, moment, finish, now)
            made.append(Appointment(
                clinic_id=clinic.id, employee_id=doctor.id, patient_id=rng.choice(patients),
                service_id=service.id if service else None, starts_at=moment, ends_at=finish,
                status=status, is_primary=rng.random() < 0.3,
                source=rng.choices(("staff", "web", "mobile", "cabinet"), (60, 10, 20, 10))[0],
                comment=rng.choice(COMMENTS),
                cancel_reason=rng.choice(CANCEL_REASONS) if status == "cancelled" else None,
                cancelled_at=min(moment, now) - timedelta(hours=rng.randint(2, 48))
                if status == "cancelled" else None))
            moment = finish
    return made


def _demo_patient_id() -> int | None:
    return db.session.scalar(db.select(Patient.id).join(User, User.id == Patient.user_id)
                             .where(User.email == "patient@clinic.test"))


def _patients_by_branch() -> dict:
    """Patient ids by the branch that registered them (None: all of them)."""
    rows = db.session.execute(db.select(Patient.id, Patient.clinic_id).order_by(Patient.id))
    by_branch: dict = {None: []}
    for patient_id, clinic_id in rows:
        by_branch[None].append(patient_id)
        by_branch.setdefault(clinic_id, []).append(patient_id)
    return by_branch


def _give_demo_patient(made: list[Appointment], rng: random.Random) -> None:
    """Two past visits and two coming appointments for the demo patient's cabinet."""
    patient_id = db.session.scalar(db.select(Patient.id).join(User, User.id == Patient.user_id)
                                   .where(User.email == "patient@clinic.test"))
    if patient_id is None:
        return
    for statuses in (("completed",), ("booked", "confirmed")):
        chosen = [a for a in made if a.status in statuses]
        for appointment in rng.sample(chosen, min(2, len(chosen))):
            appointment.patient_id = patient_id


def _appointments(doctors: list, now: datetime) -> None:
    rng = random.Random(SEED)
    patients = _patients_by_branch()
    if not patients[None]:
        return
    services = _services()
    made: list[Appointment] = []
    for doctor in doctors:
        for clinic in doctor.branches:
            today = branch_today(clinic, now)
            days = branch_hours(clinic, [doctor.id], today - timedelta(days=DAYS_BACK),
                                today + timedelta(days=DAYS_AHEAD))[doctor.id]
            fitting = _fitting(services, doctor, clinic)
            local = patients.get(clinic.id) or patients[None]
            for day in sorted(days):
                made += _fill_day(rng, doctor, clinic, days[day], fitting, local, now)
    _give_demo_patient(made, rng)
    db.session.add_all(made)
    db.session.flush()
    db.session.add_all([v for v in (_visit(a, rng) for a in made) if v is not None])
    db.session.flush()


def seed(clinics: list, doctors: list) -> None:
    """Create the demo schedule and, when there are no appointments yet, a month of them."""
    if not clinics or not doctors:
        return
    now = utcnow().replace(second=0, microsecond=0)
    _templates(clinics, doctors)
    _exceptions(clinics, doctors, now.date())
    if db.session.scalar(db.select(Appointment.id).limit(1)) is None:
        _appointments(doctors, now)
