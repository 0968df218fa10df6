"""Helpers of the chat's live-server tests: fresh patients registered through the API,
appointments written into the live database, raw WebSocket chat clients."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa
import websocket

from clinicapp.seed import DEMO_PASSWORD
from tests.realtime.conftest import ws_frame as frame

TIMEOUT = 5
_engines: dict = {}
_hours = iter(range(10_000))


def sql(database_url: str, statement: str, **params) -> list:
    engine = _engines.get(database_url)
    if engine is None:
        engine = _engines[database_url] = sa.create_engine(
            database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as connection:
        result = connection.execute(sa.text(statement), params)
        return list(result) if result.returns_rows else []


@dataclass
class Person:
    user_id: int
    token: str
    email: str
    password: str


def login(base: str, email: str, password: str = DEMO_PASSWORD) -> Person:
    answer = requests.post(base + "/api/v1/auth/login", timeout=TIMEOUT,
                           json={"username": email, "password": password})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Person(body["user"]["id"], body["access"], email, password)


def new_patient(base: str, name: str = "Чатов Живой") -> Person:
    email = f"chat-{uuid.uuid4().hex[:10]}@example.ru"
    password = "long-enough-1"
    created = requests.post(base + "/api/v1/auth/register", timeout=TIMEOUT, json={
        "email": email, "password": password, "full_name": name})
    assert created.status_code == 201, created.text
    return login(base, email, password)


def treat(database_url: str, patient_user_id: int, doctor_email: str) -> int:
    """An appointment of the patient with the doctor (by login) in the doctor's first branch,
    written straight into the database at a far-future hour; returns its branch id."""
    employee_id, clinic_id = sql(database_url, """
        SELECT e.id, eb.clinic_id FROM employees e JOIN users u ON u.id = e.user_id
        JOIN employee_branches eb ON eb.employee_id = e.id
        WHERE u.email = :email ORDER BY eb.clinic_id LIMIT 1""", email=doctor_email)[0]
    patient_id = sql(database_url, "SELECT id FROM patients WHERE user_id = :user_id",
                     user_id=patient_user_id)[0][0]
    start = datetime(2036, 1, 1, tzinfo=UTC) + timedelta(hours=next(_hours))
    sql(database_url, """
        INSERT INTO appointments (clinic_id, employee_id, patient_id, starts_at, ends_at)
        VALUES (:clinic_id, :employee_id, :patient_id, :start, :end)""",
        clinic_id=clinic_id, employee_id=employee_id, patient_id=patient_id, start=start,
        end=start + timedelta(minutes=30))
    return clinic_id


def chat_url(base: str, query: str) -> str:
    return base.replace("http://", "ws://", 1) + "/api/v1/chat" + query


def connect(base: str, person: Person) -> websocket.WebSocket:
    """An open chat socket of `person`, registered on the server (a `read` frame of a
    conversation that does not exist answers an error: the loop is running)."""
    client = websocket.create_connection(
        chat_url(base, f"?user_id={person.user_id}&token={person.token}"), timeout=TIMEOUT)
    client.send(json.dumps({"type": "read", "conversation_id": 2**31 - 1}))
    assert frame(client)[1]["error"] == "not_found"
    return client


def next_frame(client: websocket.WebSocket, kind: str) -> dict:
    """The next text frame, which must be of `kind`."""
    client.settimeout(TIMEOUT)
    received = frame(client)
    assert received[0] == "text" and received[1]["type"] == kind, received
    return received[1]


def send(client: websocket.WebSocket, **payload) -> None:
    client.send(json.dumps(payload, ensure_ascii=False))
