"""The live calendar: every change to an appointment (its payment included) reaches the
branch's open calendars.

Scheduling announces its changes with signals; this module, which composes the
appointment's JSON for the API, publishes `{"type": <event>, "appointment":
<that JSON>}` to the branch's channel (realtime: the Socket.IO room and the raw
WebSocket /ws/calendar/<id>), after the commit. Staff pages re-fetch the
appointment's block by its id when the event arrives; apps read the JSON.
"""
from __future__ import annotations

from ..core import signals
from ..realtime import publish
from ..scheduling.live import EVENT_TYPES, branch_room
from .representations import appointment_json


def publish_appointment(event_type: str, appointment) -> None:
    """Queue the event for the appointment's branch (sent once the transaction commits)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(event_type)
    publish(branch_room(appointment.clinic_id), event_type,
            {"type": event_type, "appointment": appointment_json(appointment)})


def _booked(sender, appointment, **extra) -> None:
    publish_appointment("appointment_created", appointment)


def _moved(sender, appointment, **extra) -> None:
    publish_appointment("appointment_moved", appointment)


def _changed(sender, appointment, **extra) -> None:
    publish_appointment("appointment_updated", appointment)


def _cancelled(sender, appointment, **extra) -> None:
    publish_appointment("appointment_cancelled", appointment)


def _paid(sender, invoice, **extra) -> None:
    """Money moved on an appointment's invoice: its `payment_status` changed on every
    open calendar."""
    if invoice.appointment is not None:
        publish_appointment("appointment_updated", invoice.appointment)


RECEIVERS = (
    (signals.appointment_booked, _booked),
    (signals.appointment_moved, _moved),
    (signals.appointment_updated, _changed),
    (signals.appointment_status_changed, _changed),
    (signals.appointment_cancelled, _cancelled),
    (signals.payment_completed, _paid),
    (signals.payment_refunded, _paid),
)


def connect(app) -> None:
    """Subscribe the live calendar to scheduling's signals sent by `app`."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, sender=app, weak=False)
