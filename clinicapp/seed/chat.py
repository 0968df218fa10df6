"""Demo chat: the demo patient (patient@clinic.test) may write to the demo doctor
(doctor@clinic.test) and to the desk of «Клиника на Тверской» (reception@clinic.test), and
already has one short conversation with each, the latest messages unread.

Idempotent: the appointment that makes the doctor "his" is added only when the patient has
none with that doctor; each conversation only when it does not exist yet. Rows are written
through the models (no live frames, no offline notifications: nobody is online at seeding).
"""
from __future__ import annotations

from datetime import timedelta

from ..auth.models import User
from ..chat.models import Conversation, Message
from ..core.models import utcnow
from ..extensions import db
from ..patients.models import Patient
from ..scheduling.models import Appointment
from ..staff.models import Employee

PATIENT_EMAIL = "patient@clinic.test"
DOCTOR_EMAIL = "doctor@clinic.test"
RECEPTION_EMAIL = "reception@clinic.test"
BRANCH_NAME = "Клиника на Тверской"
VISIT_DAYS_AGO = 20  # before the schedule seed's fortnight: no other demo appointment there
VISIT_MINUTES = 30
# (hours ago, from the patient?, text, read?): oldest first; the last ones unread.
DOCTOR_TALK = (
    (30, True, "Здравствуйте, Иван Андреевич! Сдал анализы, которые вы назначили. "
               "Когда будут результаты?", True),
    (29, False, "Здравствуйте, Пётр Петрович! Обычно на следующий день, я напишу.", True),
    (3, False, "Результаты готовы, всё в норме. Витамин D продолжайте ещё месяц.", False),
)
DESK_TALK = (
    (50, False, "Добрый день! Это регистратура клиники на Тверской. Напоминаем: "
                "у вас запись на следующей неделе.", True),
    (2, True, "Спасибо! Можно перенести её на вечер?", False),
)


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def _free_start(employee_id: int, around):
    """A past half hour when the doctor has no appointment (the exclusion constraint)."""
    start = around.replace(minute=0, second=0, microsecond=0)
    while db.session.scalar(db.select(Appointment.id).where(
            Appointment.employee_id == employee_id, Appointment.status != "cancelled",
            Appointment.starts_at < start + timedelta(minutes=VISIT_MINUTES),
            Appointment.ends_at > start).limit(1)) is not None:
        start -= timedelta(days=1)
    return start


def _make_his_doctor(patient: Patient, doctor: Employee, branch_id: int) -> None:
    """A past, completed appointment with the doctor at the branch, unless one exists."""
    if db.session.scalar(db.select(Appointment.id).where(
            Appointment.patient_id == patient.id,
            Appointment.employee_id == doctor.id).limit(1)) is not None:
        return
    # 10:00 in Moscow (UTC+3), VISIT_DAYS_AGO days back.
    around = (utcnow() - timedelta(days=VISIT_DAYS_AGO)).replace(hour=7)
    start = _free_start(doctor.id, around)
    db.session.add(Appointment(clinic_id=branch_id, employee_id=doctor.id,
                               patient_id=patient.id, starts_at=start,
                               ends_at=start + timedelta(minutes=VISIT_MINUTES),
                               status="completed", comment="Демо: разговор в чате"))
    db.session.flush()


def _conversation(patient: Patient, staff: User, lines, **key) -> None:
    """The conversation of the key (doctor_user_id= or clinic_id=) with its lines, if new."""
    column = (Conversation.doctor_user_id if "doctor_user_id" in key else Conversation.clinic_id)
    if db.session.scalar(db.select(Conversation.id).where(
            Conversation.patient_id == patient.id, column == next(iter(key.values())))):
        return
    conversation = Conversation(patient_id=patient.id,
                                kind="doctor" if "doctor_user_id" in key else "desk", **key)
    db.session.add(conversation)
    db.session.flush()
    now = utcnow()
    for hours_ago, from_patient, text, read in lines:
        at = now - timedelta(hours=hours_ago)
        sender, recipient = (patient.user_id, staff.id) if from_patient else (staff.id,
                                                                              patient.user_id)
        db.session.add(Message(conversation_id=conversation.id, sender_id=sender,
                               recipient_id=recipient, from_patient=from_patient, content=text,
                               created_at=at, read_at=at + timedelta(minutes=5) if read else None))
        conversation.last_message_at = at
    db.session.flush()


def seed(clinics: list) -> None:
    """Make the demo doctor the demo patient's, and seed the two conversations."""
    patient_user, doctor_user, reception = (_user(PATIENT_EMAIL), _user(DOCTOR_EMAIL),
                                            _user(RECEPTION_EMAIL))
    patient = patient_user and db.session.scalar(
        db.select(Patient).where(Patient.user_id == patient_user.id))
    doctor = doctor_user and db.session.scalar(
        db.select(Employee).where(Employee.user_id == doctor_user.id))
    branch = next((c for c in clinics if c.name == BRANCH_NAME), None)
    if patient is None or doctor is None or branch is None:
        return
    _make_his_doctor(patient, doctor, branch.id)
    _conversation(patient, doctor_user, DOCTOR_TALK, doctor_user_id=doctor_user.id)
    if reception is not None:
        _conversation(patient, reception, DESK_TALK, clinic_id=branch.id)
