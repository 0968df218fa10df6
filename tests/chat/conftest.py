"""Fixtures of the chat tests: two branches, doctors and desk staff with logins, patients
with cabinets (one treated in branch A, one registered there without visits, one with
no relation to anyone), and Socket.IO test clients signed in by token."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from clinicapp.core.models import utcnow
from clinicapp.extensions import db, socketio
from clinicapp.org.models import Clinic, Organization
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment
from clinicapp.staff.models import Employee
from tests.realtime.conftest import redis_url  # noqa: F401 - the cross-process tests' Redis


@dataclass
class World:
    clinic: Clinic
    other: Clinic
    users: dict  # name -> User
    patients: dict  # name -> Patient
    tokens: dict = field(default_factory=dict)  # name -> access token
    ids: dict = field(default_factory=dict)  # name -> user id; patients[name] id: patient_ids
    patient_ids: dict = field(default_factory=dict)
    emails: dict = field(default_factory=dict)

    def id(self, name: str) -> int:
        """The user id (kept apart: socket handlers end the session, detaching objects)."""
        return self.ids[name]


def _employee(organization, user, clinic, last_name: str) -> Employee:
    employee = Employee(organization_id=organization.id, last_name=last_name, first_name="Иван",
                        is_doctor=True, specializations=["терапевт"], user_id=user.id)
    employee.branches = [clinic]
    db.session.add(employee)
    return employee


@pytest.fixture
def world(make_user, api_login) -> World:
    organization = db.session.scalar(db.select(Organization)) or Organization(name="ООО Тест")
    clinic = Clinic(organization=organization, name="Чатовая на Арбате")
    other = Clinic(organization=organization, name="Чатовая в Химках")
    db.session.add_all([clinic, other])
    db.session.flush()
    users = {
        "doctor": make_user("doctor", branches=[clinic], full_name="Лечащий Врач"),
        "doctor_other": make_user("doctor", branches=[clinic], full_name="Другой Врач"),
        "doctor_b": make_user("doctor", branches=[other], full_name="Врач Химок"),
        "reception": make_user("receptionist", branches=[clinic], full_name="Регистратор А"),
        "reception_b": make_user("receptionist", branches=[other], full_name="Регистратор Б"),
        "manager": make_user("manager", branches=[clinic], full_name="Управляющий А"),
        "cashier": make_user("cashier", branches=[clinic]),
        "patient": make_user("patient", full_name="Пациент Чатов"),
        "registered": make_user("patient", full_name="Пациент Без Визитов"),
        "stranger": make_user("patient", full_name="Пациент Чужой"),
    }
    doctor = _employee(organization, users["doctor"], clinic, "Лечащий")
    _employee(organization, users["doctor_other"], clinic, "Другой")
    doctor_b = _employee(organization, users["doctor_b"], other, "Химкинский")
    patients = {}
    for name, clinic_id in (("patient", None), ("registered", clinic.id), ("stranger", None)):
        patients[name] = Patient(organization_id=organization.id, last_name="Чатов",
                                 first_name=name.capitalize(), extra_phones=[],
                                 clinic_id=clinic_id, user_id=users[name].id)
    patients["no_cabinet"] = Patient(organization_id=organization.id, last_name="Безкабинетный",
                                     first_name="Пётр", extra_phones=[], clinic_id=clinic.id)
    db.session.add_all(patients.values())
    db.session.flush()
    start = utcnow() - timedelta(days=3)
    # The patient was treated by `doctor` in branch A, and by doctor_b (of branch B) in A too.
    for employee in (doctor, doctor_b):
        db.session.add(Appointment(clinic_id=clinic.id, employee_id=employee.id,
                                   patient_id=patients["patient"].id, starts_at=start,
                                   ends_at=start + timedelta(minutes=30), status="completed"))
        start += timedelta(hours=1)
    db.session.commit()
    world = World(clinic, other, users, patients)
    world.clinic_id, world.other_id = clinic.id, other.id
    world.patient_ids = {name: patient.id for name, patient in patients.items()}
    for name, user in users.items():
        world.ids[name], world.emails[name] = user.id, user.email
        world.tokens[name] = api_login(user.email)["access"]
    return world


@pytest.fixture
def sio(app, world):
    """sio(name) -> a Socket.IO test client signed in with that user's token."""
    clients = []

    def connect(name: str):
        client = socketio.test_client(app, auth={"token": world.tokens[name]})
        assert client.is_connected()
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.is_connected():
            client.disconnect()


def chat_frames(client) -> list[dict]:
    """The `chat` frames the test client received since last asked."""
    return [event["args"][0] for event in client.get_received() if event["name"] == "chat"]


def send(client, **frame) -> dict:
    """Emit a client frame and return the ack."""
    return client.emit("chat", frame, callback=True)
