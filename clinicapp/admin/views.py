"""Users admin: list with filters, create, edit role/branches, deactivate."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import services
from ..auth.forms import UserCreateForm, UserEditForm
from ..auth.models import ROLE_LABELS, STAFF_ROLES, User, user_branches
from ..core.actions import answer, perform
from ..core.errors import NotFound
from ..core.forms import form_status
from ..core.htmx import wants_fragment
from ..core.pagination import page_number
from ..core.permissions import require_permission
from ..core.search import ESCAPE, contains_pattern
from ..extensions import db
from ..org import clock
from ..org.branches import visible_branch_ids
from ..org.models import Clinic

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _form(form_class, obj=None):
    form = form_class(obj=obj)
    form.branches.choices = [(c.id, c.name) for c in db.session.scalars(
        db.select(Clinic).order_by(Clinic.name))]
    return form


def _viewer_zone():
    # One column, one clock: sign-ins of people from any branch in the reader's own zone.
    return clock.person_zone(current_user)


@bp.route("/users")
@login_required
@require_permission("users.view")
def users():
    """Accounts: administrators see all; others staff who share one of their branches."""
    role = request.args.get("role") or None
    query = (request.args.get("q") or "").strip()
    statement = db.select(User).order_by(User.full_name, User.id)
    roles = ROLE_LABELS
    visible = visible_branch_ids(current_user)
    if visible is not None:
        roles = {code: ROLE_LABELS[code] for code in STAFF_ROLES}
        statement = statement.where(User.role.in_(STAFF_ROLES), User.id.in_(
            db.select(user_branches.c.user_id).where(user_branches.c.clinic_id.in_(visible))))
    if role in roles:
        statement = statement.where(User.role == role)
    if query:
        pattern = contains_pattern(query)
        statement = statement.where(User.full_name.ilike(pattern, escape=ESCAPE)
                                    | User.email.ilike(pattern, escape=ESCAPE))
    page = db.paginate(statement, page=page_number(request.args.get("page")),
                       per_page=PAGE_SIZE, error_out=False)
    template = "admin/_users_table.html" if wants_fragment() else "admin/users.html"
    return render_template(template, page=page, roles=roles, role=role, q=query,
                           zone=_viewer_zone())


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@require_permission("users.manage")
def create_user():
    form = _form(UserCreateForm)
    return perform(
        lambda: services.create_user(
            current_user, email=form.email.data, password=form.password.data,
            role=form.role.data, full_name=form.full_name.data, phone=form.phone.data,
            branch_ids=form.branches.data, is_active=form.is_active.data), form=form,
        on_success=lambda user: answer(url_for("admin.users"),
                                       _("Учётная запись %(email)s создана", email=user.email)),
        on_refusal=lambda _error: (render_template("admin/user_form.html", form=form, user=None),
                              form_status(form)))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
@require_permission("users.manage")
def edit_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Пользователь не найден"))
    form = _form(UserEditForm, user)
    if request.method == "GET":
        form.branches.data = [b.id for b in user.branches]

    def save():
        services.update_user(current_user, user, role=form.role.data,
                             branch_ids=form.branches.data, is_active=form.is_active.data,
                             full_name=form.full_name.data, phone=form.phone.data)
        if form.password.data:
            services.set_password(current_user, user, form.password.data)

    return perform(
        save, form=form,
        on_success=lambda _result: answer(url_for("admin.users"), _("Изменения сохранены")),
        on_refusal=lambda _error: (render_template("admin/user_form.html", form=form, user=user,
                                              zone=_viewer_zone()), form_status(form)))
