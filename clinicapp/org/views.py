"""Clinic settings pages: the organization's requisites and its branches.

Everyone with `org.view` reads them; only administrators (`org.manage`) change
them. Each POST commits once on success and rolls back on a domain error,
showing the errors next to the fields.
"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.errors import DomainError, NotFound, PermissionDenied
from ..core.forms import show_errors
from ..core.permissions import can_see_branch, has_permission, require_permission
from ..extensions import db
from . import clock, queries, services
from .forms import ClinicForm, OrganizationForm
from .hours import DAY_KEYS, day_text, week_rows

bp = Blueprint("org", __name__, url_prefix="/settings")

MANAGE = "org.manage"
STATUS_LABELS = {"": "Все", "active": "Работают", "inactive": "Отключены"}

# Every page shows instants and zones through the one clock (org owns it):
# `{{ moment|local_time(zone) }}`, `{{ clinic.timezone|zone_label }}`.
bp.add_app_template_filter(clock.local_text, "local_time")
bp.add_app_template_filter(clock.zone_label, "zone_label")


def _require_manage() -> None:
    if not has_permission(current_user, MANAGE):
        raise PermissionDenied("Менять реквизиты и филиалы может только администратор")


def _uploaded(file):
    """An uploaded file, or None when the file input was left empty."""
    return file if file is not None and getattr(file, "filename", "") else None


def _form_field(name: str) -> str:
    return name.replace("opening_hours.", "hours_")


def _photos(form) -> list:
    return [file for file in form.photos.data or [] if _uploaded(file)]


def _save(form, message: str, change):
    """Run the service call `change` and commit: a redirect to the settings.

    On a domain error roll back, put the errors on `form` and return None.
    """
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error, _form_field)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("org.settings"))


def _number_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _branches_fragment_args() -> dict:
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    return {"branches": queries.visible_branches(current_user, status or None),
            "status": status, "statuses": STATUS_LABELS}


# --- the organization ------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
@require_permission("org.view")
def settings():
    """Requisites (a form for administrators, read-only for the others) and the branches."""
    if request.method == "GET" and request.headers.get("HX-Request"):
        return render_template("org/_branches.html", **_branches_fragment_args())
    organization = queries.organization_for(current_user)
    can_manage = has_permission(current_user, MANAGE)
    form = OrganizationForm(obj=organization) if can_manage and organization else None
    if request.method == "POST":
        _require_manage()
        if organization is None:
            raise NotFound("Организация ещё не заведена")
        if form.validate_on_submit():
            saved = _save(form, "Реквизиты сохранены", lambda: services.update_organization(
                current_user, organization,
                {name: form[name].data for name in OrganizationForm.REQUISITES},
                logo=_uploaded(form.logo.data), remove_logo=form.remove_logo.data))
            if saved:
                return saved
    status = 400 if form is not None and (form.errors or form.form_errors) else 200
    return render_template("org/settings.html", organization=organization, form=form,
                           **_branches_fragment_args()), status


# --- branches -------------------------------------------------------------------------

def _clinic_data(form: ClinicForm) -> dict:
    data = {name: form[name].data for name in ClinicForm.FIELDS}
    data["opening_hours"] = {key: form[f"hours_{key}"].data or "" for key in DAY_KEYS}
    return data


def _fill_form(form: ClinicForm, clinic) -> None:
    for name in ("latitude", "longitude", "rating"):
        form[name].data = _number_text(getattr(clinic, name))
    for key in DAY_KEYS:
        form[f"hours_{key}"].data = day_text((clinic.opening_hours or {}).get(key))


def _render_branch(form, clinic, status: int = 200):
    return render_template("org/branch_form.html", form=form, clinic=clinic,
                           hours=week_rows(clinic.opening_hours) if clinic else [],
                           editable=form is not None), status


@bp.route("/branches/new", methods=["GET", "POST"])
@login_required
@require_permission(MANAGE)
def branch_new():
    """A new branch of the caller's organization."""
    organization = queries.organization_for(current_user)
    if organization is None:
        raise NotFound("Сначала заведите организацию")
    form = ClinicForm()
    if form.validate_on_submit():
        saved = _save(form, "Филиал создан", lambda: services.create_clinic(
            current_user, organization, _clinic_data(form), logo=_uploaded(form.logo.data),
            photos=_photos(form)))
        if saved:
            return saved
    return _render_branch(form, None, 400 if form.errors or form.form_errors else 200)


@bp.route("/branches/<int:clinic_id>", methods=["GET", "POST"])
@login_required
@require_permission("org.view")
def branch_edit(clinic_id: int):
    """The branch form for administrators; its details, read-only, for its own staff."""
    clinic = queries.get_clinic(clinic_id)
    if not can_see_branch(current_user, clinic.id):
        raise PermissionDenied("Нет доступа к этому филиалу")
    if not has_permission(current_user, MANAGE):
        if request.method == "POST":
            _require_manage()
        return _render_branch(None, clinic)
    form = ClinicForm(obj=clinic)
    if request.method == "GET":
        _fill_form(form, clinic)
    elif form.validate_on_submit():
        saved = _save(form, "Изменения сохранены", lambda: services.update_clinic(
            current_user, clinic, _clinic_data(form), logo=_uploaded(form.logo.data),
            remove_logo=form.remove_logo.data, new_photos=_photos(form),
            remove_photos=request.form.getlist("remove_photos")))
        if saved:
            return saved
    return _render_branch(form, clinic, 400 if form.errors or form.form_errors else 200)
