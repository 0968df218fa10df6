"""Scheduling pages: the staff calendar (day and week views) and the card's appointments.

The calendar page (`/calendar/`) renders the grid (scheduling/grid.py) on the
server; with HX-Request it answers with the grid fragment only, which the page
re-fetches after reconnecting and every few minutes. Single appointments come
as blocks (`/calendar/appointments/<id>/block`) when a Socket.IO event says one
changed. The dialogs (new, details, change, cancel, move) live in actions.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from flask import Blueprint, make_response, render_template, request, url_for
from flask_login import login_required

from ..core.branches import chosen_branch, switcher_branches, visible_branch_ids
from ..core.errors import NotFound, ValidationFailed
from ..core.models import utcnow
from ..core.permissions import acting_user, has_permission, require_permission
from ..extensions import db
from ..org.models import Clinic
from ..patients.models import Patient
from . import grid as layout
from . import queries, slots
from .models import Appointment
from .rules import STATUS_LABELS
from .serializers import branch_zone

bp = Blueprint("scheduling", __name__, url_prefix="/calendar")

CARD_LIMIT = 20
STEP_LABELS = {5: "5 мин", 10: "10 мин", 15: "15 мин"}


def bad_parameter(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message.lower()}", details={field: [message]})


def parse_day(raw: str | None, default: date) -> date:
    """`YYYY-MM-DD` from the query string; `default` when absent; 400 naming `date` if bad."""
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise bad_parameter("date", "Ожидается дата ГГГГ-ММ-ДД") from exc
    if not 2000 <= day.year <= 2100:
        raise bad_parameter("date", "Год должен быть от 2000 до 2100")
    return day


def parse_choice(raw: str | None, field: str, choices, default):
    """One of `choices` (compared as text); `default` when absent; 400 naming `field`."""
    raw = (raw or "").strip()
    if not raw:
        return default
    for choice in choices:
        if str(choice) == raw:
            return choice
    raise bad_parameter(field, "Допустимо: " + ", ".join(str(c) for c in choices))


@dataclass
class CalendarView:
    """What the page shows: a branch, a day (or its week), the doctors, the grid step."""

    clinic: Clinic
    view: str
    day: date
    step: int
    doctors: list
    doctor: object | None  # the week view's doctor

    @property
    def days(self) -> list[date]:
        return layout.week_of(self.day) if self.view == "week" else [self.day]

    @property
    def column_doctors(self) -> list:
        if self.view == "week":
            return [self.doctor] if self.doctor else []
        return self.doctors

    def url(self, **changes) -> str:
        """This view's URL with some parameters changed (the toolbar's links)."""
        params = {"branch": self.clinic.id, "date": self.day.isoformat(), "view": self.view,
                  "step": self.step, "doctor": self.doctor.id if self.doctor else None}
        params.update(changes)
        if params["view"] != "week":
            params["doctor"] = None
        return url_for("scheduling.calendar", **{k: v for k, v in params.items() if v})

    def shifted(self, sign: int) -> str:
        days = 7 if self.view == "week" else 1
        return self.url(date=(self.day + timedelta(days=sign * days)).isoformat())

    @property
    def title(self) -> str:
        if self.view == "week":
            first, last = self.days[0], self.days[-1]
            return (f"{format_date(first, 'd MMMM', locale='ru')} – "
                    f"{format_date(last, 'd MMMM y', locale='ru')}")
        return format_date(self.day, "EEEE, d MMMM y", locale="ru").capitalize()


def calendar_view(user) -> CalendarView | None:
    """The view the query string asks for (400 naming the parameter when it is bad)."""
    clinic = chosen_branch(user, request.args.get("branch"))
    if clinic is None:
        return None
    today = utcnow().astimezone(branch_zone(clinic)).date()
    day = parse_day(request.args.get("date"), today)
    view = parse_choice(request.args.get("view"), "view", layout.VIEWS, "day")
    step = parse_choice(request.args.get("step"), "step", slots.STEPS, slots.DEFAULT_STEP)
    doctors = queries.branch_doctors(clinic.id)
    doctor = parse_choice(request.args.get("doctor"), "doctor", [d.id for d in doctors], None)
    chosen = next((d for d in doctors if d.id == doctor), doctors[0] if doctors else None)
    return CalendarView(clinic, view, day, step, doctors, chosen)


def may_move(user) -> bool:
    return has_permission(user, "calendar.manage")


def build_grid(cal: CalendarView) -> layout.Grid:
    """The grid of the view: three queries whatever the number of doctors and appointments."""
    doctors = cal.column_doctors
    days = cal.days
    hours = slots.branch_hours(cal.clinic, [d.id for d in doctors], days[0], days[-1])
    employee_id = cal.doctor.id if cal.view == "week" and cal.doctor else None
    appointments = queries.day_appointments(cal.clinic.id, days[0], days[-1],
                                            employee_id=employee_id) if doctors else []
    return layout.build(view=cal.view, clinic=cal.clinic, zone=branch_zone(cal.clinic),
                        days=days, doctors=doctors, hours=hours, appointments=appointments,
                        step=cal.step, now=utcnow(), may_move=may_move(acting_user()))


def _grid_context(cal: CalendarView) -> dict:
    return {"cal": cal, "grid": build_grid(cal), "status_labels": STATUS_LABELS}


@bp.route("/")
@login_required
@require_permission("calendar.view")
def calendar():
    """The calendar page; with HX-Request the grid fragment only."""
    user = acting_user()
    cal = calendar_view(user)
    if cal is None:
        return render_template("scheduling/calendar.html", cal=None, branches=[])
    fragment = (request.headers.get("HX-Request")
                and not request.headers.get("HX-History-Restore-Request"))
    if fragment:
        response = make_response(render_template("scheduling/_grid.html", **_grid_context(cal)))
    else:
        response = make_response(render_template(
            "scheduling/calendar.html", branches=switcher_branches(user),
            step_labels=STEP_LABELS, can_manage=may_move(user), **_grid_context(cal)))
    response.vary.add("HX-Request")
    return response


def _range_parameter(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > layout.DAY_MINUTES or int(raw) % 60:
        raise bad_parameter(name, "Ожидается целое число часов в минутах (0–1440)")
    return int(raw)


def render_block(appointment: Appointment):
    """One appointment's block for a grid spanning ?origin=&last= (minutes of the day).

    204 when it is not on a calendar (cancelled); `X-Calendar-Outside: 1` when it
    lies outside the visible hours (the page then reloads the whole grid).
    """
    if appointment.status == "cancelled":
        return "", 204
    origin = _range_parameter("origin", layout.DEFAULT_HOURS[0] * 60)
    last = _range_parameter("last", layout.DEFAULT_HOURS[1] * 60)
    if last <= origin:
        raise bad_parameter("last", "Должно быть больше origin")
    zone = branch_zone(appointment.clinic)
    day = appointment.starts_at.astimezone(zone).date()
    block = layout.block_for(appointment, day, zone, may_move=may_move(acting_user()))
    placed = block.span.rows(origin, last)
    if placed is None or block.span.start < origin or block.span.end > last:
        response = make_response("", 200)
        response.headers["X-Calendar-Outside"] = "1"
        return response
    block.row, block.rows = placed
    return render_template("scheduling/_block.html", block=block,
                           block_column=layout.column_key(appointment.employee_id, day),
                           status_labels=STATUS_LABELS)


@bp.route("/appointments/<int:appointment_id>/block")
@login_required
@require_permission("calendar.view")
def block(appointment_id: int):
    """The block of one appointment, for the page's live updates."""
    return render_block(queries.appointment_for(acting_user(), appointment_id))


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
