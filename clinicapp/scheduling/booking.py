"""The calendar's «Новая запись» dialog and its helpers: patient search, the chosen
doctor's services, the first free time. Routes on the scheduling blueprint."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template, request
from flask_login import login_required

from ..core.actions import perform, status_of
from ..core.errors import Conflict, DomainError, field_error
from ..core.models import utcnow
from ..core.permissions import acting_user, require_permission
from ..core.routing import parse_id
from ..extensions import db
from ..org.clock import branch_today, branch_zone
from ..org.models import Clinic
from ..org.queries import require_own_organization
from ..patients import services as patient_services
from ..patients.models import Patient
from ..patients.queries import search_patients
from . import bp, queries, services, slots
from .dialogs import (
    branch_doctor,
    branch_from_args,
    fill_choices,
    form_context,
    naive_start,
    refusal_context,
    saved,
    service_id_of,
    show_refusal,
)
from .forms import MAX_MINUTES, AppointmentForm
from .models import Appointment
from .rules import span_text
from .views import booked_patient, parse_day

PICKER_LIMIT = 8
MIN_MINUTES = 5


def _clock(raw: str | None):
    """`HH:MM` from the query string (the clicked cell), None when absent."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%H:%M").time()
    except ValueError as exc:
        raise field_error("time", "Ожидается время ЧЧ:ММ") from exc


def _new_form(clinic: Clinic) -> AppointmentForm:
    """The dialog's form; on GET filled from the clicked cell (?doctor=&day=&time=&patient=)."""
    form = AppointmentForm()
    doctor_id = parse_id(request.values.get("doctor"), "doctor")
    fill_choices(form, clinic, doctor_id)
    if request.method == "GET":
        patient = booked_patient(request.args.get("patient"), clinic)
        form.doctor.data = doctor_id
        form.patient.data = str(patient.id) if patient else None
        form.day.data = parse_day(request.args.get("day"), branch_today(clinic))
        form.time.data = _clock(request.args.get("time"))
        form.minutes.data = slots.DEFAULT_DURATION  # a service chosen later sets its own
    return form


def _chosen_patient(form: AppointmentForm, clinic: Clinic) -> Patient:
    """The picked patient, or the one typed in (registered now, in this transaction)."""
    if form.new_patient.data:
        organization = require_own_organization(acting_user(), clinic.organization_id)
        return patient_services.create_patient(acting_user(), organization,
                                               form.new_patient_data(clinic.id),
                                               force=form.force_new.data == "1")
    patient_id = form.patient_id()
    if patient_id is None:
        raise field_error("patient_query", "Найдите и выберите пациента или заведите нового")
    patient = queries.referenced_patient(patient_id, "patient_query")
    if patient.organization_id != clinic.organization_id:
        raise field_error("patient_query", "Нет такого пациента")
    return patient


def _book(form: AppointmentForm, clinic: Clinic) -> tuple[Appointment, list[dict]]:
    start = naive_start(form)
    end = start + timedelta(minutes=form.minutes.data) if form.minutes.data else None
    return services.book_appointment(
        acting_user(), clinic=clinic, doctor=queries.referenced_doctor(form.doctor.data),
        patient=_chosen_patient(form, clinic),
        service=queries.referenced_service(form.service.data or None), starts_at=start,
        ends_at=end, comment=form.comment.data, is_primary=form.is_primary.data,
        override_hours=form.override_hours.data)


class UnconfirmedOverlap(Conflict):
    """The patient is already booked at that time: nothing is written until the person
    at the desk confirms (the dialog asks, with the overlaps listed)."""

    code = "overlap_unconfirmed"

    def __init__(self, warnings: list[dict]) -> None:
        super().__init__("; ".join(w["detail"] for w in warnings))
        self.warnings = warnings


def _book_confirmed(form: AppointmentForm, clinic: Clinic) -> Appointment:
    appointment, warnings = _book(form, clinic)
    if warnings and form.confirm_overlap.data != "1":
        raise UnconfirmedOverlap(warnings)
    return appointment


def _show_refusal(form: AppointmentForm, error: DomainError) -> None:
    # The overlap is asked about in its own box, not as an error of the form.
    if not isinstance(error, UnconfirmedOverlap):
        show_refusal(form, error)


def _duplicate_patient(form: AppointmentForm, error: DomainError | None, extra: dict) -> None:
    """A typed-in patient whose phone or e-mail is on file: the dialog asks whom to book,
    the card on file or a new one (relatives often share a number)."""
    existing_id = error.details.get("existing_id") if isinstance(error, Conflict) else None
    existing = db.session.get(Patient, existing_id) if existing_id else None
    if existing is None:
        return
    form.form_errors.clear()
    extra["duplicate"] = existing


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require_permission("calendar.manage")
def new():
    """The «Новая запись» dialog; POST books (a patient already booked then asks first)."""
    clinic = branch_from_args()
    form = _new_form(clinic)

    def booked(appointment: Appointment):
        return saved(appointment, f"Записан: {appointment.patient.full_name}, "
                                  f"{span_text(appointment)}, {appointment.employee.full_name}")

    def refused(error: DomainError | None):
        extra = refusal_context(error)
        if isinstance(error, UnconfirmedOverlap):
            form.confirm_overlap.data = "1"  # the next submit books anyway
            extra["warnings"] = error.warnings
        _duplicate_patient(form, error, extra)
        return render_template("scheduling/_new.html", **form_context(form, clinic, **extra)), \
            status_of(error)

    return perform(lambda: _book_confirmed(form, clinic), form=form, show=_show_refusal,
                   on_success=booked, on_refusal=refused)


@bp.route("/patients")
@login_required
@require_permission("patients.view")
def patient_picker():
    """Search-as-you-type in the dialog: up to 8 patients by name, phone or birth date."""
    query = (request.args.get("patient_query") or request.args.get("q") or "").strip()[:100]
    found = []
    if len(query) >= 2:
        found = search_patients(query, require_own_organization(acting_user()), PICKER_LIMIT)
    return render_template("scheduling/_patient_options.html", patients=found, query=query)


@bp.route("/services")
@login_required
@require_permission("calendar.view")
def service_field():
    """The dialog's service select for the chosen doctor (services he gives in the branch)."""
    clinic = branch_from_args()
    form = AppointmentForm(formdata=None)
    doctor_id = parse_id(request.args.get("doctor"), "doctor")
    fill_choices(form, clinic, doctor_id)
    form.doctor.data = doctor_id
    return render_template("scheduling/_service_field.html", **form_context(form, clinic))


def _minutes(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not MIN_MINUTES <= int(raw) <= MAX_MINUTES:
        raise field_error("minutes", f"От {MIN_MINUTES} до {MAX_MINUTES} минут")
    return int(raw)


@bp.route("/first-free")
@login_required
@require_permission("calendar.view")
def first_free():
    """«Ближайшее свободное время»: the doctor's first free slot from the chosen day on,
    as long as the typed length, or the service's, or half an hour."""
    clinic = branch_from_args()
    doctor = branch_doctor(clinic, parse_id(request.args.get("doctor"), "doctor"))
    service_id = service_id_of(request.args.get("service"))
    service = next((s for s in queries.doctor_services(doctor, clinic) if s.id == service_id),
                   None)
    if service_id is not None and service is None:
        raise field_error("service", "Врач не оказывает эту услугу в филиале")
    minutes = _minutes(request.args.get("minutes")) or (
        service.duration_minutes if service else slots.DEFAULT_DURATION)
    zone = branch_zone(clinic)
    day = parse_day(request.args.get("day"), branch_today(clinic))
    found = slots.first_free_slot(doctor.id, clinic, minutes, after=max(
        utcnow(), datetime.combine(day, datetime.min.time(), zone)))
    form = AppointmentForm(formdata=None)
    form.day.data = found.start.astimezone(zone).date() if found else day
    form.time.data = found.start.astimezone(zone).time() if found else None
    return render_template("scheduling/_when_fields.html", form=form, found=found,
                           searched=True, doctor=doctor)
