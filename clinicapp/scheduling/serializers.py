"""An appointment as JSON: what the API returns and the realtime layer sends.

The union of documents 001 (`clinic_id`, `doctor_id`, `service_id`, `date`,
`time`, `status`) and 002 (`branch`, `employee`, `patient`, `start_datetime`,
`end_datetime`, `status`, `is_primary`). Instants are UTC with a `Z`; `date`
and `time` are the branch's own wall clock, as a 001 client sends them.
"""
from __future__ import annotations

from datetime import UTC, datetime

from ..org.clock import branch_zone


def iso_utc(moment: datetime | None) -> str | None:
    """`2024-01-15T10:00:00Z`: an aware instant in UTC, seconds precision."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def local_date_time(moment: datetime, clinic) -> tuple[str, str]:
    """(`YYYY-MM-DD`, `HH:MM`) of an instant on the branch's wall clock."""
    local = moment.astimezone(branch_zone(clinic))
    return local.date().isoformat(), local.strftime("%H:%M")


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
