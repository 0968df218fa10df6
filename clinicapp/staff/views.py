"""Staff pages: the list with filters, the employee form, system access."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..auth.models import ROLE_LABELS
from ..core.errors import DomainError, PermissionDenied
from ..core.forms import form_status, save_form, show_errors
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
    template = "staff/_table.html" if request.headers.get("HX-Request") else "staff/index.html"
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
    response = save_form(
        form, lambda: services.create_employee(current_user, _form_data(form),
                                               branch_ids=form.branches.data,
                                               photo=_photo(form)),
        lambda employee: (f"Сотрудник {employee.full_name} добавлен",
                          url_for("staff.edit", employee_id=employee.id)))
    return response or (render_template("staff/form.html", employee=None, form=form),
                        form_status(form))


@bp.route("/<int:employee_id>", methods=["GET", "POST"])
@login_required
@require_permission("staff.view")
def edit(employee_id: int):
    employee = queries.employee_for(current_user, employee_id)
    if request.method == "POST":
        if not has_permission(current_user, "staff.manage"):
            raise PermissionDenied("Недостаточно прав для этого действия")
        services.ensure_may_change(current_user, employee)
    form = _employee_form(employee)
    if form.validate_on_submit():
        try:
            services.update_employee(current_user, employee, _form_data(form),
                                     branch_ids=form.branches.data, photo=_photo(form))
            db.session.commit()
            flash("Изменения сохранены", "success")
            return redirect(url_for("staff.edit", employee_id=employee.id))
        except DomainError as error:
            db.session.rollback()
            employee = queries.employee_for(current_user, employee_id)
            show_errors(form, error)
    return _edit_page(employee, form, status=400 if form.errors or form.form_errors else 200)


@bp.route("/<int:employee_id>/access", methods=["POST"])
@login_required
@require_permission("staff.manage")
def grant_access(employee_id: int):
    employee = queries.employee_for(current_user, employee_id)
    services.ensure_may_change(current_user, employee)
    form = GrantAccessForm(prefix="access")
    status = 400
    if form.validate_on_submit():
        try:
            user, _created = services.grant_access(
                current_user, employee, form.password.data, form.role.data,
                username=form.username.data, email=form.email.data)
            db.session.commit()
            flash(f"Доступ выдан: логин {user.login_name}, роль «{user.role_label}»", "success")
            return redirect(url_for("staff.edit", employee_id=employee.id))
        except DomainError as error:
            db.session.rollback()
            employee = queries.employee_for(current_user, employee_id)
            show_errors(form, error)
            status = error.status_code
    return _edit_page(employee, grant_form=form, status=status)


@bp.route("/<int:employee_id>/access/revoke", methods=["POST"])
@login_required
@require_permission("staff.manage")
def revoke_access(employee_id: int):
    employee = queries.employee_for(current_user, employee_id)
    services.ensure_may_change(current_user, employee)
    if RevokeAccessForm(prefix="revoke").validate_on_submit():
        try:
            services.revoke_access(current_user, employee)
            db.session.commit()
            flash("Доступ отозван: вход отключён, все сеансы завершены", "success")
        except DomainError as error:
            db.session.rollback()
            flash(error.detail, "error")
    return redirect(url_for("staff.edit", employee_id=employee_id))
