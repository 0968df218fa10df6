"""A doctor's «График работы» page: the weekly hours per branch, the exceptions
(day off, vacation, sick leave, extra shift) and the next two weeks as they come
out. Plain forms, post → redirect → get (core.actions.perform). Routes on the
scheduling blueprint."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from ..core.actions import answer, perform, status_of
from ..core.errors import NotFound, PermissionDenied
from ..core.forms import form_status
from ..core.permissions import acting_user, has_permission, require_permission
from ..core.routing import MAX_ID, parse_id
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.clock import branch_today, branch_zone, date_text
from ..org.hours import DAYS
from ..staff.models import Employee
from . import bp, hours, slots
from .forms import ExceptionForm, WeekForm
from .models import Appointment, ScheduleException
from .rules import KIND_LABELS, WEEKDAY_SHORT, span_text

PREVIEW_DAYS = 14
LISTED_APPOINTMENTS = 50
AFFECTED_KEY = "hours_affected"
EVERY_BRANCH = _l("Во всех филиалах")


def _doctor(doctor_id: int) -> Employee:
    """The doctor, if he works in a branch the user sees (404 otherwise: not a leak)."""
    doctor = db.session.get(Employee, doctor_id) if 0 < doctor_id <= MAX_ID else None
    if doctor is None or not doctor.is_doctor or not _branches(doctor):
        raise NotFound(_("Врач не найден"))
    return doctor


def _branches(doctor: Employee) -> list:
    visible = visible_branch_ids(acting_user())
    return [b for b in sorted(doctor.branches, key=lambda c: (c.name, c.id))
            if visible is None or b.id in visible]


def _branch(doctor: Employee):
    """`?branch=<id>` among the doctor's branches the user sees; else the first of them."""
    branches = _branches(doctor)
    branch_id = parse_id(request.args.get("branch"), "branch")
    chosen = next((b for b in branches if b.id == branch_id), None)
    if branch_id is not None and chosen is None:
        raise NotFound(_("Врач не работает в этом филиале"))
    return chosen or branches[0]


def _preview(doctor: Employee, clinic) -> list[dict]:
    """The next two weeks in the branch as the slots see them (template − exceptions)."""
    zone = branch_zone(clinic)
    today = branch_today(clinic)
    days = slots.working_intervals(doctor.id, clinic, today, today + timedelta(PREVIEW_DAYS - 1))
    return [{"day": day, "weekday": WEEKDAY_SHORT[day.weekday()],
             "hours": ", ".join(f"{s.astimezone(zone):%H:%M}–{e.astimezone(zone):%H:%M}"
                                for s, e in intervals)}
            for day, intervals in days.items()]


def _page(doctor: Employee, clinic, week_form: WeekForm | None = None,
          exception_form: ExceptionForm | None = None, status: int = 200):
    if week_form is None:
        week_form = WeekForm(formdata=None, data={
            f"hours_{key}": text for key, text in hours.week_text(doctor, clinic).items()})
    exception_form = exception_form or ExceptionForm(formdata=None)
    branches = _branches(doctor)
    exception_form.clinic.choices = _clinic_choices(doctor, branches)
    today = branch_today(clinic)
    user = acting_user()
    exceptions = hours.upcoming_exceptions(doctor, today, visible_branch_ids(user))
    may_edit = has_permission(user, "calendar.manage") and doctor.is_active
    visible = visible_branch_ids(user)
    affected = [a for a in (db.session.get(Appointment, i)
                            for i in session.pop(AFFECTED_KEY, []) or [])
                if a is not None and (visible is None or a.clinic_id in visible)]
    return render_template(
        "scheduling/hours.html", doctor=doctor, clinic=clinic, branches=branches,
        week_form=week_form, exception_form=exception_form, days=DAYS,
        exceptions=[(row, may_edit and hours.may_delete(user, doctor, row))
                    for row in exceptions],
        kind_labels=KIND_LABELS, preview=_preview(doctor, clinic), may_edit=may_edit,
        affected=[(a, span_text(a), a.starts_at.astimezone(branch_zone(a.clinic)).date())
                  for a in affected]), status


def _clinic_choices(doctor: Employee, branches: list) -> list[SelectChoice]:
    """Every branch of the doctor («во всех филиалах») only if the user sees them all."""
    every = [SelectChoice(0, EVERY_BRANCH)] if len(branches) == len(doctor.branches) \
        else []
    return every + [SelectChoice(b.id, b.name) for b in branches]


@bp.route("/doctors/<int:doctor_id>/hours", methods=["GET", "POST"])
@login_required
@require_permission("calendar.view")
def doctor_hours(doctor_id: int):
    """The page; POST (calendar.manage) saves the weekly hours of the chosen branch."""
    doctor = _doctor(doctor_id)
    clinic = _branch(doctor)
    if request.method == "GET":
        return _page(doctor, clinic)
    if not has_permission(acting_user(), "calendar.manage"):
        raise PermissionDenied(_("Менять график может регистратура или управляющий"))
    form = WeekForm()
    return perform(
        lambda: hours.set_week_template(acting_user(), doctor, clinic, form.week()), form=form,
        on_success=lambda changed: answer(
            _page_url(doctor, clinic),
            _("График в «%(branch)s» сохранён", branch=clinic.name) if changed
            else _("Изменений нет")),
        on_refusal=lambda _: _page(doctor, clinic, week_form=form, status=form_status(form)))


def _page_url(doctor: Employee, clinic) -> str:
    return url_for("scheduling.doctor_hours", doctor_id=doctor.id, branch=clinic.id)


@bp.route("/doctors/<int:doctor_id>/exceptions", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def new_exception(doctor_id: int):
    """Add a day off / vacation / sick leave / extra shift; warns of appointments hit."""
    doctor = _doctor(doctor_id)
    clinic = _branch(doctor)
    form = ExceptionForm()
    form.clinic.choices = _clinic_choices(doctor, _branches(doctor))

    def add():
        target = next((b for b in doctor.branches if b.id == form.clinic.data), None)
        return hours.add_exception(
            acting_user(), doctor, kind=form.kind.data, first=form.first.data,
            last=form.last.data or form.first.data, clinic=target,
            starts_at=form.starts_at.data, ends_at=form.ends_at.data, note=form.note.data)

    def added(result):
        rows, absent = result
        days = date_text(rows[0].day) + (f"–{date_text(rows[-1].day)}" if len(rows) > 1 else "")
        flash(_("Добавлено в график: %(kind)s, %(days)s",
                kind=KIND_LABELS[form.kind.data].lower(), days=days), "success")
        if absent:
            flash(_("На эти часы у врача записей: %(num)s — перенесите их (список ниже)",
                    num=len(absent)), "warning")
            # The list survives the redirect in the session (ids only, shown once).
            session[AFFECTED_KEY] = [a.id for a in absent[:LISTED_APPOINTMENTS]]
        return answer(_page_url(doctor, clinic))

    return perform(add, form=form, on_success=added, on_refusal=lambda error: _page(
        doctor, clinic, exception_form=form, status=status_of(error)))


@bp.route("/exceptions/<int:exception_id>/delete", methods=["POST"])
@login_required
@require_permission("calendar.manage")
def remove_exception(exception_id: int):
    """Remove one day's exception; back to the page of the branch it was removed from."""
    row = db.session.get(ScheduleException, exception_id)
    if row is None:
        raise NotFound(_("Исключение не найдено"))
    doctor = _doctor(row.employee_id)
    back = _page_url(doctor, _branch(doctor))
    return perform(lambda: hours.delete_exception(acting_user(), row),
                   on_success=lambda done: answer(back, _("Исключение удалено")),
                   on_refusal=lambda error: answer(back, error.detail, "error"))
