"""Scheduling pages: the staff calendar (day and week views), its printout, the card's list.

The calendar page (`/calendar/`) renders the grid (scheduling/grid.py) on the
server; for htmx (core.htmx.wants_fragment) it answers with the grid fragment only,
which the page re-fetches after reconnecting and every few minutes. Single appointments come
as blocks (`/calendar/appointments/<id>/block`) when a Socket.IO event says one
changed. The dialogs (new, details, change, cancel, move) live in actions.py.

A doctor who opens the calendar lands on their own day: without `?branch=` the
branch where they work that day, their column first in the day view and their week
in the week view. Everybody may switch to anything their branches hold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_interval, format_skeleton
from flask import make_response, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..core.errors import NotFound, field_error
from ..core.htmx import wants_fragment
from ..core.models import utcnow
from ..core.permissions import acting_user, can_see_branch, has_permission, require_permission
from ..core.routing import parse_id
from ..extensions import db
from ..org.branches import chosen_branch, switcher_branches, visible_branch_ids
from ..org.clock import branch_now, branch_today, branch_zone
from ..org.models import Clinic
from ..patients.models import Patient
from ..staff.models import Employee
from . import bp, queries, slots
from . import grid as layout
from .models import Appointment
from .rules import KIND_LABELS, MAX_YEAR, MIN_YEAR, STATUS_LABELS

CARD_LIMIT = 20
STEP_LABELS = {step: _l("%(num)d мин", num=step) for step in slots.STEPS}
# The legend's order: the way a visit goes, then the one that never happened.
LEGEND = ("booked", "confirmed", "arrived", "in_progress", "completed", "no_show")


def parse_day(raw: str | None, default: date, field: str = "date") -> date:
    """`YYYY-MM-DD` from the query string; `default` when absent; 400 naming `field` if bad."""
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise field_error(field, _("Ожидается дата ГГГГ-ММ-ДД")) from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise field_error(field, _("Год должен быть от %(first)d до %(last)d",
                                   first=MIN_YEAR, last=MAX_YEAR))
    return day


def parse_choice(raw: str | None, field: str, choices, default):
    """One of `choices` (compared as text); `default` when absent; 400 naming `field`."""
    raw = (raw or "").strip()
    if not raw:
        return default
    for choice in choices:
        if str(choice) == raw:
            return choice
    raise field_error(field, _("Допустимо: %(choices)s",
                               choices=", ".join(str(c) for c in choices)))


def upper_first(text: str) -> str:
    """The first letter capitalised, the rest as the locale wrote it («Понедельник, 12 мая»)."""
    return text[:1].upper() + text[1:]


def day_heading(day: date) -> str:
    """A week column's heading, «Пн, 12 янв.» / «Mon, Jan 12»."""
    return upper_first(format_skeleton("MMMEd", day, locale=get_locale()))


@dataclass
class CalendarView:
    """What the page shows: a branch, a day (or its week), the doctors, the grid step;
    the patient being booked, when the page was opened from a patient's card; the
    signed-in doctor (`own`); the specialty filter and whether doctors who do not
    work that day are shown (`show_all`)."""

    clinic: Clinic
    view: str
    day: date
    step: int
    doctors: list[Employee]  # the branch's doctors of the chosen specialty
    doctor: Employee | None  # the week view's doctor
    patient: Patient | None = None
    own: Employee | None = None
    show_all: bool = False
    specialty: str | None = None
    specialties: list[str] = field(default_factory=list)

    @property
    def days(self) -> list[date]:
        return layout.week_of(self.day) if self.view == "week" else [self.day]

    @property
    def column_doctors(self) -> list:
        if self.view == "week":
            return [self.doctor] if self.doctor else []
        return self.doctors

    def url(self, endpoint: str = "scheduling.calendar", **changes) -> str:
        """This view's URL with some parameters changed (the toolbar's links)."""
        params = {"branch": self.clinic.id, "date": self.day.isoformat(), "view": self.view,
                  "step": self.step, "doctor": self.doctor.id if self.doctor else None,
                  "patient": self.patient.id if self.patient else None,
                  "spec": self.specialty, "all": "1" if self.show_all else None}
        params.update(changes)
        if params["view"] != "week" and "doctor" not in changes:
            params["doctor"] = None
        return url_for(endpoint, **{k: v for k, v in params.items() if v})

    def shifted(self, sign: int) -> str:
        days = 7 if self.view == "week" else 1
        return self.url(date=(self.day + timedelta(days=sign * days)).isoformat())

    @property
    def title(self) -> str:
        if self.view == "week":
            first, last = self.days[0], self.days[-1]
            return format_interval(first, last, "yMMMd", locale=get_locale())
        return upper_first(format_date(self.day, "full"))


def doctor_branch(user, doctor: Employee, raw_day: str | None) -> Clinic | None:
    """Where a doctor's calendar opens: the first of their branches (that the user
    sees) where they work on the day asked for (today there when none), else the first."""
    branches = [clinic for clinic in doctor.branches
                if clinic.is_active and can_see_branch(user, clinic.id)]
    for clinic in branches:
        day = parse_day(raw_day, branch_today(clinic))
        if any(slots.working_intervals(doctor.id, clinic, day, day).values()):
            return clinic
    return branches[0] if branches else None


def page_branch(user, own: Employee | None) -> Clinic | None:
    """`?branch=` (checked); without it a doctor's branch of the day, else the user's first."""
    raw = request.args.get("branch")
    if own is not None and not (raw or "").strip():
        clinic = doctor_branch(user, own, request.args.get("date"))
        if clinic is not None:
            return clinic
    return chosen_branch(user, raw)


def of_specialty(doctors: list[Employee]) -> tuple[list[Employee], str | None, list[str]]:
    """`?spec=`: (the doctors of that specialty, the specialty, every one the doctors have)."""
    specialties = sorted({name for d in doctors for name in d.specializations or []})
    specialty = parse_choice(request.args.get("spec"), "spec", specialties, None)
    chosen = [d for d in doctors if specialty is None or specialty in (d.specializations or [])]
    return chosen, specialty, specialties


def calendar_view(user) -> CalendarView | None:
    """The view the query string asks for (400 naming the parameter when it is bad);
    None when the user has no branch."""
    args = request.args
    own = queries.own_doctor(user)
    clinic = page_branch(user, own)
    if clinic is None:
        return None
    day = parse_day(args.get("date"), branch_today(clinic))
    view = parse_choice(args.get("view"), "view", layout.VIEWS, "day")
    step = parse_choice(args.get("step"), "step", slots.STEPS, slots.DEFAULT_STEP)
    show_all = parse_choice(args.get("all"), "all", ("0", "1"), "0") == "1"
    branch_doctors = queries.branch_doctors(clinic.id)
    doctors, specialty, specialties = of_specialty(branch_doctors)
    own = own if own in branch_doctors else None
    doctor = parse_choice(args.get("doctor"), "doctor", [d.id for d in doctors], None)
    default = own if own in doctors else (doctors[0] if doctors else None)
    chosen = next((d for d in doctors if d.id == doctor), default)
    return CalendarView(clinic, view, day, step, layout.own_first(doctors, own and own.id),
                        chosen, booked_patient(args.get("patient"), clinic), own=own,
                        show_all=show_all, specialty=specialty, specialties=specialties)


def booked_patient(raw: str | None, clinic: Clinic) -> Patient | None:
    """`?patient=<id>`: the patient the page books for (of the branch's organization)."""
    patient_id = parse_id(raw, "patient")
    if patient_id is None:
        return None
    patient = db.session.get(Patient, patient_id)
    if patient is None or patient.organization_id != clinic.organization_id:
        raise field_error("patient", _("Нет такого пациента"))
    return patient


def may_manage(user) -> bool:
    """Books, moves, changes and cancels (else the calendar is read-only)."""
    return has_permission(user, "calendar.manage")


def build_grid(cal: CalendarView) -> layout.Grid:
    """The grid of the view: five queries whatever the number of doctors and appointments.

    In the day view a doctor no longer listed in the branch (left it, deactivated)
    who still has appointments that day gets a column too: nothing disappears. Doctors
    who neither work nor have appointments that day are hidden unless asked for.
    """
    days = cal.days
    week_doctor = cal.doctor if cal.view == "week" else None
    appointments = queries.day_appointments(
        cal.clinic.id, days[0], days[-1], employee_id=week_doctor.id if week_doctor else None
    ) if cal.column_doctors else []
    doctors = list(cal.column_doctors)
    listed = {doctor.id for doctor in doctors}
    guests = {a.employee_id: a.employee for a in appointments if a.employee_id not in listed
              and cal.specialty in (None, *(a.employee.specializations or []))}
    doctors += sorted(guests.values(), key=lambda d: (d.last_name, d.first_name, d.id))
    shown_ids = listed | set(guests)
    appointments = [a for a in appointments if a.employee_id in shown_ids]
    ids = [d.id for d in doctors]
    exceptions = slots.schedule_exceptions(ids, days[0], days[-1])
    hours = slots.branch_hours(cal.clinic, ids, days[0], days[-1], exceptions)
    absences = slots.whole_day_absences(exceptions, cal.clinic.id)
    own_id = cal.own.id if cal.own and cal.view == "day" else None
    hidden = []
    if cal.view == "day" and not cal.show_all:
        doctors, hidden = layout.split_doctors(doctors, cal.day, hours, appointments,
                                               own_id=own_id, absences=absences)
    grid = layout.build(view=cal.view, clinic=cal.clinic, zone=branch_zone(cal.clinic),
                        days=days, doctors=doctors, hours=hours, appointments=appointments,
                        step=cal.step, now=utcnow(), may_move=may_manage(acting_user()),
                        guests=set(guests), absences=absences, own_id=own_id)
    grid.hidden = hidden
    return grid


def block_texts() -> dict:
    """The words every block repeats, translated once per page: a busy day has 300 blocks,
    and a lookup per block and word would cost more than the rest of the page."""
    return {"outside": _("вне рабочего времени врача"),
            "resize": _("Потяните, чтобы изменить длительность"),
            "primary": _("Первичный приём"), "primary_mark": _("П")}


def labels(names: dict) -> dict:
    """A table of labels (status, absence) in the reader's language, looked up once."""
    return {code: str(label) for code, label in names.items()}


def _grid_context(cal: CalendarView) -> dict:
    return {"cal": cal, "grid": build_grid(cal), "status_labels": labels(STATUS_LABELS),
            "kind_labels": labels(KIND_LABELS), "day_heading": day_heading,
            "texts": block_texts()}


@bp.route("/")
@login_required
@require_permission("calendar.view")
def calendar():
    """The calendar page; for htmx the grid fragment only."""
    user = acting_user()
    cal = calendar_view(user)
    if cal is None:
        return render_template("scheduling/calendar.html", cal=None, branches=[])
    if wants_fragment():
        return render_template("scheduling/_grid.html", **_grid_context(cal))
    return render_template("scheduling/calendar.html", branches=switcher_branches(user),
                           step_labels=STEP_LABELS, can_manage=may_manage(user),
                           legend=LEGEND, **_grid_context(cal))


@bp.route("/print")
@login_required
@require_permission("calendar.view")
def print_day():
    """The day (or a doctor's week) as a printable schedule: per doctor, the time,
    patient, phone, service and status; `?doctor=` in the day view prints one doctor."""
    cal = calendar_view(acting_user())
    if cal is None:
        raise NotFound(_("Вы не прикреплены ни к одному филиалу"))
    grid = build_grid(cal)
    only = cal.doctor.id if cal.view == "day" and cal.doctor and request.args.get("doctor") \
        else None
    sections = [column for column in grid.columns
                if (only is None or column.doctor.id == only)
                and (column.blocks or column.work)]
    return render_template("scheduling/print.html", cal=cal, grid=grid, sections=sections,
                           status_labels=labels(STATUS_LABELS),
                           kind_labels=labels(KIND_LABELS), day_heading=day_heading,
                           only=only, printed_at=branch_now(cal.clinic))


def _hour_in_minutes(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > layout.DAY_MINUTES or int(raw) % 60:
        raise field_error(name, _("Ожидается целое число часов в минутах (0–1440)"))
    return int(raw)


def grid_range() -> tuple[int, int]:
    """`?origin=&last=`: the minutes of the day the page's grid spans (whole hours)."""
    origin = _hour_in_minutes("origin", layout.DEFAULT_HOURS[0] * 60)
    last = _hour_in_minutes("last", layout.DEFAULT_HOURS[1] * 60)
    if last <= origin:
        raise field_error("last", _("Должно быть больше origin"))
    return origin, last


def render_block(appointment: Appointment, span: tuple[int, int]):
    """One appointment's block for a grid spanning `span` (minutes of the day).

    204 when it is not on a calendar (cancelled); `X-Calendar-Outside: 1` when it
    lies outside the visible hours (the page then reloads the whole grid).
    """
    if appointment.status == "cancelled":
        return make_response("", 204)
    origin, last = span
    zone = branch_zone(appointment.clinic)
    day = appointment.starts_at.astimezone(zone).date()
    block = layout.block_for(appointment, day, zone, may_move=may_manage(acting_user()))
    hours = slots.branch_hours(appointment.clinic, [appointment.employee_id], day, day)
    block.check_hours(layout.work_spans(hours[appointment.employee_id][day], day, zone))
    placed = block.span.rows(origin, last)
    if placed is None or block.span.start < origin \
            or min(block.span.end, layout.DAY_MINUTES) > last:
        response = make_response("", 200)
        response.headers["X-Calendar-Outside"] = "1"
        return response
    block.row, block.rows = placed
    return make_response(render_template(
        "scheduling/_block.html", block=block, status_labels=labels(STATUS_LABELS),
        texts=block_texts(), block_column=layout.column_key(appointment.employee_id, day)))


@bp.route("/appointments/<int:appointment_id>/block")
@login_required
@require_permission("calendar.view")
def block(appointment_id: int):
    """The block of one appointment, for the page's live updates."""
    span = grid_range()
    return render_block(queries.appointment_for(acting_user(), appointment_id), span)


@bp.route("/patients/<int:patient_id>/appointments")
@login_required
@require_permission("patients.view")
def patient_appointments(patient_id: int):
    """The card's "Записи" section: latest appointments in the user's branches, no-shows."""
    if db.session.get(Patient, patient_id) is None:
        raise NotFound(_("Пациент не найден"))
    statement = queries.patient_appointments_statement(patient_id)
    branches = visible_branch_ids(acting_user())
    if branches is not None:
        statement = statement.where(Appointment.clinic_id.in_(branches))
    appointments = list(db.session.scalars(statement.limit(CARD_LIMIT)))
    rows = [{"appointment": a, "local": a.starts_at.astimezone(branch_zone(a.clinic)),
             "status": STATUS_LABELS.get(a.status, a.status)} for a in appointments]
    return render_template("scheduling/_patient_appointments.html", rows=rows,
                           no_shows=queries.no_show_count(patient_id), limit=CARD_LIMIT,
                           patient_id=patient_id)
