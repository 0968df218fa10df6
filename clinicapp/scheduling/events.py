"""Calendar events: every change to an appointment reaches the branch's open calendars.

Services call `publish(...)` inside their transaction; the event goes out only
after the commit (never for rolled-back work), to the Socket.IO room of the
branch (and, with the realtime layer, to raw WebSocket subscribers).
"""
from __future__ import annotations

from ..core.after_commit import after_commit
from ..extensions import socketio

EVENT_TYPES = ("appointment_created", "appointment_updated", "appointment_moved",
               "appointment_cancelled")


def branch_room(clinic_id: int) -> str:
    return f"branch:{clinic_id}"


def publish(event_type: str, clinic_id: int, appointment: dict) -> None:
    """Queue `{"type", "appointment"}` for the branch once the transaction commits.

    `appointment` is the JSON the API returns for it (serialize before the
    commit: the session may be gone afterwards).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(event_type)
    payload = {"type": event_type, "appointment": appointment}

    def send() -> None:
        socketio.emit(event_type, payload, to=branch_room(clinic_id))

    after_commit(send)
