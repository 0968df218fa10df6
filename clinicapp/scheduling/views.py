"""Scheduling pages. For now: a patient's appointments, loaded into the patient card.

The card belongs to the registry, which must not depend on scheduling: it asks
for this fragment with htmx instead (the calendar page comes next).
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..core.branches import visible_branch_ids
from ..core.errors import NotFound
from ..core.permissions import acting_user, require_permission
from ..extensions import db
from ..patients.models import Patient
from . import queries
from .models import Appointment
from .rules import STATUS_LABELS
from .serializers import branch_zone

bp = Blueprint("scheduling", __name__, url_prefix="/calendar")

CARD_LIMIT = 20


@bp.route("/patients/<int:patient_id>/appointments")
@login_required
@require_permission("patients.view")
def patient_appointments(patient_id: int):
    """The card's "Записи" section: latest appointments in the user's branches, no-shows."""
    if db.session.get(Patient, patient_id) is None:
        raise NotFound("Пациент не найден")
    statement = queries.patient_appointments_statement(patient_id)
    branches = visible_branch_ids(acting_user())
    if branches is not None:
        statement = statement.where(Appointment.clinic_id.in_(branches))
    appointments = list(db.session.scalars(statement.limit(CARD_LIMIT)))
    rows = [{"appointment": a, "local": a.starts_at.astimezone(branch_zone(a.clinic)),
             "status": STATUS_LABELS.get(a.status, a.status)} for a in appointments]
    return render_template("scheduling/_patient_appointments.html", rows=rows,
                           no_shows=queries.no_show_count(patient_id), limit=CARD_LIMIT)
