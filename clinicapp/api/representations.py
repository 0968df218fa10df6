"""The JSON of things that several features contribute to, composed here, above them.

An appointment: the union of documents 001 (`clinic_id`, `doctor_id`,
`service_id`, `date`, `time`, `status`) and 002 (`branch`, `employee`,
`patient`, `start_datetime`, `end_datetime`, `status`, `is_primary`). Instants
are UTC with a `Z`; `date` and `time` are the branch's own wall clock, as a 001
client sends them. Billing's `payment_status` will join it here, so scheduling
never imports billing. The live calendar's events carry the same JSON.
"""
from __future__ import annotations

from ..scheduling.serializers import iso_utc, local_date_time


def appointment_json(appointment) -> dict:
    """The appointment as every API answer and calendar event carries it."""
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
        "is_primary": appointment.is_primary,
        "source": appointment.source,
        "comment": appointment.comment,
        "cancel_reason": appointment.cancel_reason,
        "outside_hours": appointment.outside_hours,
        "created_at": iso_utc(appointment.created_at),
        "updated_at": iso_utc(appointment.updated_at),
    }
