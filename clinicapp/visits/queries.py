"""Read-only selects of visits: lookups, lists, and the front desk's queue for a day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..core.errors import NotFound, PermissionDenied
from ..core.models import utcnow
from ..core.permissions import can_see_branch
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.clock import branch_today, branch_zone
from ..org.models import Clinic
from ..scheduling import queries as scheduling_queries
from ..scheduling.models import Appointment, Visit
from ..scheduling.slots import day_bounds
from ..staff.models import Employee

WITH_APPOINTMENT = selectinload(Visit.appointment).options(*scheduling_queries.WITH_RELATIONS)
# The queue page's columns, in order, and the appointment statuses in each.
QUEUE_COLUMNS = (
    ("expected", ("booked", "confirmed")),
    ("waiting", ("arrived",)),
    ("with_doctor", ("in_progress",)),
    ("done", ("completed",)),
    ("no_show", ("no_show",)),
)


def visit_for(user, visit_id: int) -> Visit:
    """A visit in one of the user's branches. Raises NotFound, PermissionDenied."""
    visit = db.session.get(Visit, visit_id) if 0 < visit_id <= MAX_ID else None
    if visit is None:
        raise NotFound(_("Визит не найден"))
    if not can_see_branch(user, visit.appointment.clinic_id):
        raise PermissionDenied(_("Визит в филиале, к которому у вас нет доступа"),
                               code="branch_forbidden")
    return visit


def visits_statement(user, *, branch_id: int | None = None, date_from: date | None = None,
                     date_to: date | None = None, status: str | None = None):
    """Visits of the user's branches (or of `branch_id`, already checked), by appointment time.

    Dates are local days of the appointment's start in its branch.
    """
    statement = scheduling_queries.scoped(
        db.select(Visit).options(WITH_APPOINTMENT)
        .join(Appointment, Appointment.id == Visit.appointment_id),
        user, branch_id=branch_id, date_from=date_from, date_to=date_to)
    # A patient who arrived and left before the doctor saw them: the appointment was
    # cancelled and its visit, stopped at «arrived», is history, not a waiting patient.
    statement = statement.where(Appointment.status != "cancelled")
    if status is not None:
        statement = statement.where(Visit.status == status)
    return statement.order_by(Appointment.starts_at, Visit.id)


def waiting_minutes(visit: Visit | None, now: datetime | None = None) -> int | None:
    """Minutes since arrival while the patient waits for the doctor, else None."""
    if visit is None or visit.status != "arrived" or visit.arrived_at is None \
            or visit.appointment.status == "cancelled":
        return None
    return max(0, int(((now or utcnow()) - visit.arrived_at).total_seconds() // 60))


@dataclass
class QueueEntry:
    appointment: Appointment
    visit: Visit | None
    waiting_minutes: int | None  # since arrival, while waiting for the doctor


def day_queue(branch_id: int, day: date, now: datetime | None = None, *,
              employee_id: int | None = None) -> dict[str, list]:
    """The «today» queue of a branch: {column: [QueueEntry…]} in QUEUE_COLUMNS order.

    expected (booked/confirmed), waiting (arrived, with the minutes waited),
    with_doctor, done, no_show; each by appointment time. With `employee_id`, only
    that doctor's patients.
    """
    now = now or utcnow()
    appointments = scheduling_queries.day_appointments(branch_id, day, employee_id=employee_id)
    visits = {visit.appointment_id: visit for visit in db.session.scalars(
        db.select(Visit).where(Visit.appointment_id.in_([a.id for a in appointments])))}
    queue: dict[str, list] = {name: [] for name, _ in QUEUE_COLUMNS}
    column_of = {status: name for name, statuses in QUEUE_COLUMNS for status in statuses}
    for appointment in appointments:
        visit = visits.get(appointment.id)
        queue[column_of[appointment.status]].append(
            QueueEntry(appointment, visit, waiting_minutes(visit, now)))
    return queue


def own_employee_id(user) -> int | None:
    """The id of the employee card linked to the user's account (a doctor's own column)."""
    return db.session.scalar(db.select(Employee.id).where(Employee.user_id == user.id))


def busy_branch_today(employee_id: int, branches) -> Clinic | None:
    """The first of `branches` where the employee has patients today (on its own clock),
    else None: a doctor working in two branches opens the desk where their day is."""
    for clinic in branches:
        start, end = day_bounds(branch_today(clinic), branch_zone(clinic))
        if db.session.scalar(db.select(db.exists().where(
                Appointment.employee_id == employee_id, Appointment.clinic_id == clinic.id,
                Appointment.status != "cancelled", Appointment.starts_at >= start,
                Appointment.starts_at < end))):
            return clinic
    return None
