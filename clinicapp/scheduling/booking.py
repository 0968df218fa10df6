"""The calendar's «Новая запись» dialog and its helpers: patient search, the chosen
doctor's services, the first free time, «Сейчас» for a walk-in. Routes on the
scheduling blueprint.

The dialog says up front which starts it takes: never a past day; earlier today only
for holders of `calendar.record_past` (recorded after the fact: audited, and the visit
marked as it went, through the status service); «Сейчас» books a patient standing at
the desk at the doctor's first free moment from now, on the calendar's grid step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..core.actions import perform, status_of
from ..core.errors import Conflict, DomainError, field_error
from ..core.models import utcnow
from ..core.permissions import acting_user, has_permission, require_permission
from ..core.routing import parse_id
from ..extensions import db
from ..org.clock import branch_now, branch_today, branch_zone, date_text
from ..org.models import Clinic
from ..org.queries import require_own_organization
from ..patients import services as patient_services
from ..patients.models import Patient
from ..patients.queries import search_patients
from . import bp, queries, services, slots
from . import status as appointment_status
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
from .forms import MAX_MINUTES, MIN_MINUTES, AppointmentForm
from .models import Appointment
from .rules import RECORD_PAST, span_text, status_label
from .views import booked_patient, parse_choice, parse_day

PICKER_LIMIT = 8


def _clock(raw: str | None):
    """`HH:MM` from the query string (the clicked cell), None when absent."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%H:%M").time()
    except ValueError as exc:
        raise field_error("time", _("Ожидается время ЧЧ:ММ")) from exc


def grid_step() -> int:
    """`?step=`: the calendar's grid step in minutes, which «Сейчас» rounds to."""
    return parse_choice(request.args.get("step"), "step", slots.STEPS, slots.DEFAULT_STEP)


@dataclass
class PastPolicy:
    """What the dialog offers for the start, told up front (`_who_when.html`)."""

    today: date
    may_record_past: bool

    @property
    def help(self) -> str:
        if self.may_record_past:
            return _("Сегодня можно указать и прошедшее время: приём внесут задним числом, "
                     "с отметкой в журнале")
        return _("Не раньше, чем сейчас: вносить прошедшие приёмы задним числом вам не "
                 "разрешено")


def _past_policy(clinic: Clinic) -> PastPolicy:
    return PastPolicy(branch_today(clinic), has_permission(acting_user(), RECORD_PAST))


def _offer_start(form: AppointmentForm, clinic: Clinic, policy: PastPolicy) -> str | None:
    """The clicked day and time as the dialog may offer them; returns what to tell.

    A past day becomes today with no time; a time already gone today stays only for those
    who record after the fact; the grid cell that holds "now" is a walk-in.
    """
    day, clock = form.day.data, form.time.data
    if day < policy.today:
        form.day.data, form.time.data = policy.today, None
        return _("%(day)s уже прошёл: на прошедшие дни не записывают. Выберите время сегодня "
                 "или позже.", day=date_text(day))
    if day != policy.today or clock is None:
        return None
    now = utcnow()
    start = slots.local_instant(day, clock, branch_zone(clinic))
    if start >= now:
        return None
    if start >= slots.cell_start(now, grid_step(), branch_zone(clinic)):
        form.walk_in.data = "1"  # the cell of "now": the patient is at the desk
        return None
    if policy.may_record_past:
        return _("Это время уже прошло: приём будет внесён задним числом как состоявшийся, "
                 "с отметкой в журнале.")
    form.time.data = None
    return _("%(time)s уже прошло, а вносить прошедшие приёмы вам не разрешено: выберите время "
             "не раньше %(now)s или нажмите «Сейчас».", time=clock.strftime("%H:%M"),
             now=branch_now(clinic, now).strftime("%H:%M"))


def _new_form(clinic: Clinic, policy: PastPolicy) -> tuple[AppointmentForm, str | None]:
    """The dialog's form; on GET filled from the clicked cell (?doctor=&day=&time=&patient=),
    with what to tell about the start offered."""
    form = AppointmentForm()
    doctor_id = parse_id(request.values.get("doctor"), "doctor")
    fill_choices(form, clinic, doctor_id)
    if request.method != "GET":
        return form, None
    patient = booked_patient(request.args.get("patient"), clinic)
    form.doctor.data = doctor_id
    form.patient.data = str(patient.id) if patient else None
    form.day.data = parse_day(request.args.get("day"), policy.today)
    form.time.data = _clock(request.args.get("time"))
    form.minutes.data = slots.DEFAULT_DURATION  # a service chosen later sets its own
    return form, _offer_start(form, clinic, policy)


def _chosen_patient(form: AppointmentForm, clinic: Clinic) -> Patient:
    """The picked patient, or the one typed in (registered now, in this transaction)."""
    if form.new_patient.data:
        organization = require_own_organization(acting_user(), clinic.organization_id)
        return patient_services.create_patient(acting_user(), organization,
                                               form.new_patient_data(clinic.id),
                                               force=form.force_new.data == "1")
    patient_id = form.patient_id()
    if patient_id is None:
        raise field_error("patient_query", _("Найдите и выберите пациента или заведите нового"))
    patient = queries.referenced_patient(patient_id, "patient_query")
    if patient.organization_id != clinic.organization_id:
        raise field_error("patient_query", _("Нет такого пациента"))
    return patient


def _book(form: AppointmentForm, clinic: Clinic) -> tuple[Appointment, list[dict]]:
    """Book from the dialog; a start earlier today is recorded after the fact (the service
    checks the permission) and its visit marked as it went: done, or still going on."""
    user, now = acting_user(), utcnow()
    start = naive_start(form)
    end = start + timedelta(minutes=form.minutes.data) if form.minutes.data else None
    walk_in = form.walk_in.data == "1"
    appointment, warnings = services.book_appointment(
        user, clinic=clinic, doctor=queries.referenced_doctor(form.doctor.data),
        patient=_chosen_patient(form, clinic),
        service=queries.referenced_service(form.service.data or None), starts_at=start,
        ends_at=end, comment=form.comment.data, is_primary=form.is_primary.data,
        override_hours=form.override_hours.data, walk_in=walk_in, record_past=True, now=now)
    if services.past_start(appointment.starts_at, now, walk_in=walk_in) == "past":
        happened = "completed" if appointment.ends_at <= now else "in_progress"
        appointment_status.change_status(user, appointment, happened, now=now)
    return appointment, warnings


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
    """The «Новая запись» dialog; POST books (a patient already booked then asks first).

    `?step=` is the calendar's grid step, for «Сейчас».
    """
    clinic = branch_from_args()
    policy = _past_policy(clinic)
    form, when_note = _new_form(clinic, policy)

    def booked(appointment: Appointment):
        names = {"patient": appointment.patient.full_name, "time": span_text(appointment),
                 "doctor": appointment.employee.full_name}
        if appointment.status in ("in_progress", "completed"):
            return saved(appointment, _("Внесено задним числом: %(patient)s, %(time)s, "
                                        "%(doctor)s — %(status)s",
                                        status=status_label(appointment.status), **names))
        return saved(appointment, _("Записан: %(patient)s, %(time)s, %(doctor)s", **names))

    def refused(error: DomainError | None):
        extra = refusal_context(error)
        if isinstance(error, UnconfirmedOverlap):
            form.confirm_overlap.data = "1"  # the next submit books anyway
            extra["warnings"] = error.warnings
        _duplicate_patient(form, error, extra)
        return render_template("scheduling/_new.html", **form_context(
            form, clinic, policy=policy, when_note=when_note, step=grid_step(), **extra)), \
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
        raise field_error("minutes", _("От %(low)s до %(high)s минут", low=MIN_MINUTES,
                                       high=MAX_MINUTES))
    return int(raw)


def _length(doctor, clinic: Clinic) -> int:
    """`?minutes=`, or the length of `?service=` (one the doctor gives in the branch), or
    half an hour."""
    service_id = service_id_of(request.args.get("service"))
    service = next((s for s in queries.doctor_services(doctor, clinic) if s.id == service_id),
                   None)
    if service_id is not None and service is None:
        raise field_error("service", _("Врач не оказывает эту услугу в филиале"))
    return _minutes(request.args.get("minutes")) or (
        service.duration_minutes if service else slots.DEFAULT_DURATION)


@bp.route("/first-free")
@login_required
@require_permission("calendar.view")
def first_free():
    """«Ближайшее свободное время»: the doctor's first free slot from the chosen day on,
    as long as the typed length, or the service's, or half an hour."""
    clinic = branch_from_args()
    doctor = branch_doctor(clinic, parse_id(request.args.get("doctor"), "doctor"))
    minutes = _length(doctor, clinic)
    zone = branch_zone(clinic)
    day = parse_day(request.args.get("day"), branch_today(clinic))
    found = slots.first_free_slot(doctor.id, clinic, minutes, after=max(
        utcnow(), datetime.combine(day, datetime.min.time(), zone)))
    form = AppointmentForm(formdata=None)
    form.day.data = found.start.astimezone(zone).date() if found else day
    form.time.data = found.start.astimezone(zone).time() if found else None
    return render_template("scheduling/_when_fields.html", form=form, found=found,
                           searched=True, doctor=doctor)


@bp.route("/walk-in")
@login_required
@require_permission("calendar.manage")
def walk_in():
    """«Сейчас»: a patient at the desk, today from now (the grid cell that holds it, on
    `?step=` in the branch's zone) at the doctor's first free moment for the length."""
    clinic = branch_from_args()
    doctor = branch_doctor(clinic, parse_id(request.args.get("doctor"), "doctor"))
    minutes = _length(doctor, clinic)
    step = grid_step()
    now = utcnow()
    cell = slots.cell_start(now, step, branch_zone(clinic))
    found = slots.first_free_slot(doctor.id, clinic, minutes, after=cell, step=step, days=1)
    form = AppointmentForm(formdata=None)
    form.day.data = branch_today(clinic, now)
    form.time.data = found.start.astimezone(branch_zone(clinic)).time() if found else None
    form.walk_in.data = "1" if found else ""
    return render_template("scheduling/_when_fields.html", form=form, found=found,
                           walk_in_searched=True, minutes=minutes, now_cell=found is not None
                           and found.start == cell)
