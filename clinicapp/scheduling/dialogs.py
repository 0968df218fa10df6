"""What the calendar's dialogs share: reading ids from the request, the doctor and
service choices of a form, the `calendar-saved` event, a refusal put on a form.

Each dialog's submit is a page action (core.actions.perform). The dialogs answer
htmx with a fragment for the page's one <dialog> (or, for a move, the
appointment's block); a refused action answers 400/403/409 with the same
fragment carrying the reason, and nothing is written (one transaction per
request). Success tells the page through the `HX-Trigger` event
`calendar-saved` ({"id", "message", "removed"}) so it can refresh the block
even when the Socket.IO connection is down.
"""
from __future__ import annotations

from datetime import datetime

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from htmx_flask import make_response
from wtforms.fields.choices import SelectChoice

from ..core.errors import DomainError, field_error
from ..core.forms import show_errors
from ..core.permissions import acting_user
from ..core.routing import parse_id
from ..extensions import db
from ..org.branches import branch_for
from ..org.models import Clinic
from ..patients.models import Patient
from ..staff.models import Employee
from . import queries
from .models import Appointment

NO_SERVICE = SelectChoice(0, _l("Без услуги"))
# A service's field names in errors → the dialog's field names.
FORM_FIELDS = {"start_datetime": "time", "end_datetime": "minutes", "employee": "doctor"}


def saved(appointment: Appointment, message: str, body="", status: int = 200,
          removed: bool = False, warning: bool = False):
    """`body` (text or a response) carrying the `calendar-saved` event.

    htmx-flask writes the event as JSON with `ensure_ascii` (its default): headers
    are Latin-1, the message may be Russian.
    """
    return make_response(body, status, trigger={"calendar-saved": {
        "id": appointment.id, "message": message, "removed": removed, "warning": warning}})


def branch_from_args() -> Clinic:
    """`?branch=<id>`: required, and one the user works in (400 / 404 / 403)."""
    branch_id = parse_id(request.args.get("branch"), "branch")
    if branch_id is None:
        raise field_error("branch", _("Укажите филиал"))
    return branch_for(acting_user(), branch_id)


def service_id_of(raw: str | None) -> int | None:
    """The service select's value: "0" is «Без услуги»."""
    return None if (raw or "").strip() == "0" else parse_id(raw, "service")


def branch_doctor(clinic: Clinic, doctor_id: int | None) -> Employee:
    """A doctor who sees patients in the branch; 400 naming `doctor` otherwise."""
    doctor = next((d for d in queries.branch_doctors(clinic.id) if d.id == doctor_id), None)
    if doctor is None:
        raise field_error("doctor", _("Выберите врача этого филиала"))
    return doctor


def fill_doctors(form, clinic: Clinic, keep: Employee | None = None) -> list[Employee]:
    """The branch's doctors as `form.doctor`'s choices; returns them.

    `keep`: a doctor to offer even if no longer in the branch's list (the one an
    appointment being changed or moved is with).
    """
    doctors = queries.branch_doctors(clinic.id)
    if keep is not None and all(d.id != keep.id for d in doctors):
        doctors.append(keep)
    form.doctor.choices = [SelectChoice(d.id, d.full_name) for d in doctors]
    return doctors


def fill_choices(form, clinic: Clinic, doctor_id: int | None, keep: Employee | None = None):
    """The branch's doctors (`fill_doctors`) and the chosen one's services, with their
    durations, on `form`."""
    doctors = fill_doctors(form, clinic, keep)
    chosen = next((d for d in doctors if d.id == doctor_id), doctors[0] if doctors else None)
    offered = queries.doctor_services(chosen, clinic)
    form.service.choices = [NO_SERVICE] + [SelectChoice(s.id, s.name) for s in offered]
    form.durations = {s.id: s.duration_minutes for s in offered}


def form_context(form, clinic: Clinic, **extra) -> dict:
    """The dialog's template values; a picked patient is shown by name only if they are
    of the branch's organization (the id comes from the browser)."""
    patient_id = form.patient_id() if hasattr(form, "patient_id") else None
    if "picked" not in extra and patient_id is not None:
        patient = db.session.get(Patient, patient_id)
        if patient is not None and patient.organization_id == clinic.organization_id:
            extra["picked"] = patient
        else:
            form.patient.data = None
    return {"form": form, "clinic": clinic, "durations": form.durations, **extra}


def naive_start(form) -> datetime:
    """The form's day and time: the branch's wall clock (services read it so)."""
    return datetime.combine(form.day.data, form.time.data)


def show_refusal(form, error: DomainError) -> None:
    """Put a refusal on a dialog's form (perform's `show`): the services' field names
    are the dialog's (FORM_FIELDS)."""
    show_errors(form, error, lambda name: FORM_FIELDS.get(name, name))


def refusal_context(error: DomainError | None) -> dict:
    """What a dialog's template needs of a refusal besides the form: the «outside the
    working hours» one offers to book anyway."""
    return {"show_override": error is not None and error.code == "outside_working_hours"}
