"""Staff pages: the list with filters, the employee form, system access."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..auth.models import ROLE_LABELS
from ..core.actions import answer, perform, status_of
from ..core.errors import PermissionDenied
from ..core.forms import form_status
from ..core.htmx import wants_fragment
from ..core.pagination import page_number
from ..core.permissions import has_permission, require_permission
from ..extensions import db
from ..org.branches import branch_for
from . import queries, services
from .forms import EmployeeForm, GrantAccessForm, RevokeAccessForm

bp = Blueprint("staff", __name__, url_prefix="/staff")

PAGE_SIZE = 50
STATUSES = {"active": True, "inactive": False, "all": None}
FORM_FIELDS = ("last_name", "first_name", "middle_name", "position", "specializations", "phone",
               "email", "hire_date", "color", "description", "is_doctor", "is_active")


def _filters() -> dict:
    """The list's filters from the query string, checked against the user."""
    branch = request.args.get("branch", type=int)
    if branch is not None:
        branch_for(current_user, branch)
    status = request.args.get("status", "active")
    return {"branch": branch, "status": status if status in STATUSES else "active",
            "doctors": request.args.get("doctors") == "1",
            "q": (request.args.get("q") or "").strip()[:100]}


@bp.route("/")
@login_required
@require_permission("staff.view")
def index():
    filters = _filters()
    statement = queries.employees_statement(
        current_user, branch_id=filters["branch"], is_active=STATUSES[filters["status"]],
        is_doctor=True if filters["doctors"] else None, search=filters["q"])
    page = db.paginate(statement, page=page_number(request.args.get("page")),
                       per_page=PAGE_SIZE, error_out=False)
    template = "staff/_table.html" if wants_fragment() else "staff/index.html"
    return render_template(template, page=page, filters=filters,
                           branches=queries.visible_branches(current_user))


def _employee_form(employee=None) -> EmployeeForm:
    form = EmployeeForm(obj=employee)
    form.branches.choices = [SelectChoice(c.id, c.name)
                             for c in queries.visible_branches(current_user)]
    if employee is not None and request.method == "GET":
        form.specializations.data = ", ".join(employee.specializations or [])
        form.branches.data = [b.id for b in employee.branches]
    return form


def _form_data(form: EmployeeForm) -> dict:
    data = {name: getattr(form, name).data for name in FORM_FIELDS}
    if form.rating.data is not None:
        data["rating"] = form.rating.data
    return data


def _photo(form: EmployeeForm):
    upload = form.photo.data
    return upload.stream if upload is not None and getattr(upload, "filename", "") else None


def _grant_form() -> GrantAccessForm:
    """The access form offering only the roles the user may grant."""
    form = GrantAccessForm(prefix="access")
    form.role.choices = [choice for choice in form.role.choices
                         if services.may_grant(current_user, choice.value)]
    return form


def _edit_page(employee, form=None, grant_form=None, status: int = 200):
    return render_template(
        "staff/form.html", employee=employee, form=form or _employee_form(employee),
        grant_form=grant_form or _grant_form(),
        revoke_form=RevokeAccessForm(prefix="revoke"), roles=ROLE_LABELS,
        manageable=queries.can_manage_employee(current_user, employee)), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require_permission("staff.manage")
def new():
    form = _employee_form()
    return perform(
        lambda: services.create_employee(current_user, _form_data(form),
                                         branch_ids=form.branches.data, photo=_photo(form)),
        form=form,
        on_success=lambda employee: answer(url_for("staff.edit", employee_id=employee.id),
                                           _("Сотрудник %(name)s добавлен",
                                             name=employee.full_name)),
        on_refusal=lambda _error: (render_template("staff/form.html", employee=None, form=form),
                              form_status(form)))


@bp.route("/<int:employee_id>", methods=["GET", "POST"])
@login_required
@require_permission("staff.view")
def edit(employee_id: int):
    employee = queries.employee_for(current_user, employee_id)
    if request.method == "POST":
        if not has_permission(current_user, "staff.manage"):
            raise PermissionDenied(_("Недостаточно прав для этого действия"))
        services.ensure_may_change(current_user, employee)
    form = _employee_form(employee)
    return perform(
        lambda: services.update_employee(current_user, employee, _form_data(form),
                                         branch_ids=form.branches.data, photo=_photo(form)),
        form=form,
        on_success=lambda _result: answer(url_for("staff.edit", employee_id=employee.id),
                                          _("Изменения сохранены")),
        on_refusal=lambda error: _edit_page(_reloaded(employee, error), form,
                                            status=form_status(form)))


def _reloaded(employee, error):
    """The employee as stored: after a refusal the rollback dropped what the service set."""
    return employee if error is None else queries.employee_for(current_user, employee.id)


@bp.route("/<int:employee_id>/access", methods=["POST"])
@login_required
@require_permission("staff.manage")
def grant_access(employee_id: int):
    employee = queries.employee_for(current_user, employee_id)
    services.ensure_may_change(current_user, employee)
    form = GrantAccessForm(prefix="access")

    def granted(user):
        return answer(url_for("staff.edit", employee_id=employee.id),
                      _("Доступ выдан: логин %(login)s, роль «%(role)s»",
                        login=user.login_name, role=user.role_label))

    return perform(
        lambda: services.grant_access(current_user, employee, form.password.data,
                                      form.role.data, username=form.username.data,
                                      email=form.email.data)[0],
        form=form, on_success=granted,
        on_refusal=lambda error: _edit_page(_reloaded(employee, error), grant_form=form,
                                            status=status_of(error)))


@bp.route("/<int:employee_id>/access/revoke", methods=["POST"])
@login_required
@require_permission("staff.manage")
def revoke_access(employee_id: int):
    employee = queries.employee_for(current_user, employee_id)
    services.ensure_may_change(current_user, employee)
    back = url_for("staff.edit", employee_id=employee_id)
    return perform(
        lambda: services.revoke_access(current_user, employee),
        form=RevokeAccessForm(prefix="revoke"),
        on_success=lambda _result: answer(
            back, _("Доступ отозван: вход отключён, все сеансы завершены")),
        on_refusal=lambda error: answer(back, error.detail, "error"))
