"""Clinic settings pages: the organization's requisites and its branches.

Everyone with `org.view` reads them; only administrators (`org.manage`) change
them. Each POST is a page action (core.actions.perform): one commit on success,
a rollback on a domain error, whose messages are shown next to the fields.
"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..core.actions import answer, perform
from ..core.errors import NotFound, PermissionDenied
from ..core.forms import form_status, show_errors
from ..core.htmx import wants_fragment
from ..core.permissions import can_see_branch, has_permission, require_permission
from . import queries, services
from .forms import ClinicForm, OrganizationForm
from .hours import DAY_KEYS, day_text, week_rows

bp = Blueprint("org", __name__, url_prefix="/settings")

MANAGE = "org.manage"
STATUS_LABELS = {"": _l("Все"), "active": _l("Работают"), "inactive": _l("Отключены")}


def _uploaded(file):
    """An uploaded file, or None when the file input was left empty."""
    return file if file is not None and getattr(file, "filename", "") else None


def _form_field(name: str) -> str:
    return name.replace("opening_hours.", "hours_")


def _photos(form) -> list:
    return [file for file in form.photos.data or [] if _uploaded(file)]


def _save(form, change, message: str, shown):
    """The settings' form action: `change()` (the service call), committed, then back
    to the settings with `message`; a form not sent, invalid or refused is `shown()`."""
    return perform(change, form=form, show=_show_errors,
                   on_success=lambda result: answer(url_for("org.settings"), message),
                   on_refusal=lambda error: shown())


def _show_errors(form, error) -> None:
    show_errors(form, error, _form_field)


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
    if request.method == "GET" and wants_fragment():
        return render_template("org/_branches.html", **_branches_fragment_args())
    organization = queries.organization_for(current_user)
    can_manage = has_permission(current_user, MANAGE)
    form = OrganizationForm(obj=organization) if can_manage and organization else None

    def page():
        status = form_status(form) if form is not None else 200
        return render_template("org/settings.html", organization=organization, form=form,
                               **_branches_fragment_args()), status

    if request.method != "POST":
        return page()
    services.require_manager(current_user)
    if organization is None:
        raise NotFound(_("Организация ещё не заведена"))
    return _save(form, lambda: services.update_organization(
        current_user, organization,
        {name: form[name].data for name in OrganizationForm.REQUISITES},
        logo=_uploaded(form.logo.data), remove_logo=form.remove_logo.data),
        _("Реквизиты сохранены"), page)


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
        raise NotFound(_("Сначала заведите организацию"))
    form = ClinicForm()
    return _save(form, lambda: services.create_clinic(
        current_user, organization, _clinic_data(form), logo=_uploaded(form.logo.data),
        photos=_photos(form)), _("Филиал создан"),
        lambda: _render_branch(form, None, form_status(form)))


@bp.route("/branches/<int:clinic_id>", methods=["GET", "POST"])
@login_required
@require_permission("org.view")
def branch_edit(clinic_id: int):
    """The branch form for administrators; its details, read-only, for its own staff."""
    clinic = queries.get_clinic(clinic_id)
    if not can_see_branch(current_user, clinic.id):
        raise PermissionDenied(_("Нет доступа к этому филиалу"))
    if not has_permission(current_user, MANAGE):
        if request.method == "POST":
            services.require_manager(current_user)
        return _render_branch(None, clinic)
    form = ClinicForm(obj=clinic)
    if request.method == "GET":
        _fill_form(form, clinic)
    return _save(form, lambda: services.update_clinic(
        current_user, clinic, _clinic_data(form), logo=_uploaded(form.logo.data),
        remove_logo=form.remove_logo.data, new_photos=_photos(form),
        remove_photos=request.form.getlist("remove_photos")), _("Изменения сохранены"),
        lambda: _render_branch(form, clinic, form_status(form)))
