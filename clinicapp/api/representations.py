"""The JSON of things that several features contribute to, composed here, above them.

An appointment: the union of documents 001 (`clinic_id`, `doctor_id`,
`service_id`, `date`, `time`, `status`) and 002 (`branch`, `employee`,
`patient`, `start_datetime`, `end_datetime`, `status`, `is_primary`). Instants
are UTC with a `Z`; `date` and `time` are the branch's own wall clock, as a 001
client sends them. Billing's `payment_status` (unpaid, partially_paid, paid,
refunded: derived from the appointment's invoice, read-only) joins it here, so
scheduling never imports billing. The live calendar's events carry the same JSON.
"""
from __future__ import annotations

from ..billing.queries import payment_state, payment_states
from ..scheduling.serializers import iso_utc, local_date_time


def appointments_json(appointments) -> list[dict]:
    """Many appointments, their payment states read in one query."""
    appointments = list(appointments)
    states = payment_states(a.id for a in appointments)
    return [appointment_json(a, payment_status=states[a.id]) for a in appointments]


def appointment_json(appointment, *, payment_status: str | None = None) -> dict:
    """The appointment as every API answer and calendar event carries it
    (`payment_status` read from billing unless the caller read it for many at once)."""
    day, clock = local_date_time(appointment.starts_at, appointment.clinic)
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    return {
        "id": appointment.id,
        "branch": appointment.clinic_id,
        "clinic_id": appointment.clinic_id,
        "employee": appointment.employee_id,
        "doctor_id": appointment.employee_id,
        "doctor_name": appointment.employee.full_name,
        "patient": appointment.patient_id,
        "patient_name": appointment.patient.full_name,
        "service": appointment.service_id,
        "service_id": appointment.service_id,
        "service_name": appointment.service.name if appointment.service else None,
        "start_datetime": iso_utc(appointment.starts_at),
        "end_datetime": iso_utc(appointment.ends_at),
        "date": day,
        "time": clock,
        "duration": minutes,
        "status": appointment.status,
        "payment_status": payment_status or payment_state(appointment.id),
        "is_primary": appointment.is_primary,
        "source": appointment.source,
        "comment": appointment.comment,
        "cancel_reason": appointment.cancel_reason,
        "outside_hours": appointment.outside_hours,
        "created_at": iso_utc(appointment.created_at),
        "updated_at": iso_utc(appointment.updated_at),
    }
