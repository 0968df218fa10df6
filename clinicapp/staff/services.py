"""Employees: create and change them, grant and revoke their access to the system.

Services flush and audit; the request (page or API) commits. Every check that
a person can fail raises a domain error with a Russian message naming the field.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import ngettext

from ..audit.services import record
from ..auth import services as auth_services
from ..auth.models import ROLE_LABELS, STAFF_ROLES, User
from ..core.emails import InvalidEmail, normalize_email
from ..core.errors import Conflict, PermissionDenied, ValidationFailed
from ..core.permissions import ALL_BRANCHES_ROLES
from ..core.phones import InvalidPhone, normalize_phone
from ..core.routing import MAX_ID
from ..core.uploads import save_image
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.models import Clinic
from ..org.queries import require_own_organization
from .models import Employee
from .queries import can_manage_employee

DEFAULT_COLOR = "#2196F3"
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,149}$")
TEXT_LIMITS = {"last_name": 100, "first_name": 100, "middle_name": 100, "position": 150,
               "description": 5000}
MAX_SPECIALIZATIONS = 20
SPECIALIZATION_LIMIT = 100  # characters of one specialization
# Fields of an employee a caller may set (besides organization, branches and the photo).
FIELDS = ("last_name", "first_name", "middle_name", "position", "specializations", "phone",
          "email", "hire_date", "color", "description", "rating", "is_doctor", "is_active")
# Who may grant which role: a role ranked above the caller's own is refused.
ROLE_RANKS = {"admin": 3, "manager": 2, "receptionist": 1, "cashier": 1, "doctor": 1}


# --- cleaning ------------------------------------------------------------------------

def _text(name: str, value, errors: dict) -> str:
    text = (value or "").strip()
    if len(text) > TEXT_LIMITS[name]:
        errors[name] = [ngettext("Не длиннее %(num)d символа", "Не длиннее %(num)d символов",
                                 TEXT_LIMITS[name])]
    return text


def parse_specializations(value) -> list[str]:
    """A list, or a comma-separated string (the page's field), as a clean list."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))


def _specializations(value, errors: dict) -> list[str]:
    items = parse_specializations(value)
    if len(items) > MAX_SPECIALIZATIONS:
        errors["specializations"] = [ngettext(
            "Не больше %(num)d специализации", "Не больше %(num)d специализаций",
            MAX_SPECIALIZATIONS)]
    elif any(len(item) > SPECIALIZATION_LIMIT for item in items):
        errors["specializations"] = [ngettext(
            "Каждая специализация — не длиннее %(num)d символа",
            "Каждая специализация — не длиннее %(num)d символов", SPECIALIZATION_LIMIT)]
    return items


def _rating(value, errors: dict) -> Decimal:
    try:
        rating = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        rating = Decimal(-1)
    if not rating.is_finite() or not Decimal(0) <= rating <= Decimal(5):
        errors["rating"] = [_("Рейтинг — число от 0 до 5")]
        return Decimal(0)
    return rating.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _hire_date(value, errors: dict) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or not 1950 <= value.year <= date.today().year + 1:
        errors["hire_date"] = [_("Проверьте дату приёма на работу")]
        return None
    return value


def _clean(data: dict) -> dict:
    """The known fields present in `data`, normalized. Raises ValidationFailed (all fields)."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name, value in data.items():
        if name in TEXT_LIMITS:
            clean[name] = _text(name, value, errors)
            if name in ("last_name", "first_name") and not clean[name] and name not in errors:
                errors[name] = [_("Обязательное поле")]
            if name in ("middle_name", "description"):
                clean[name] = clean[name] or None
        elif name == "specializations":
            clean[name] = _specializations(value, errors)
        elif name == "phone":
            try:
                clean[name] = normalize_phone(value) if (value or "").strip() else None
            except InvalidPhone as exc:
                errors[name] = [str(exc)]
        elif name == "email":
            try:
                clean[name] = normalize_email(value) if (value or "").strip() else None
            except InvalidEmail as exc:
                errors[name] = [str(exc)]
        elif name == "color":
            color = (value or "").strip()
            if not COLOR_RE.match(color):
                errors[name] = [_("Цвет в формате #RRGGBB, например #2196F3")]
            clean[name] = color.upper()
        elif name == "hire_date":
            clean[name] = _hire_date(value, errors)
        elif name == "rating":
            clean[name] = _rating(value, errors)
        elif name in ("is_doctor", "is_active"):
            clean[name] = bool(value)
    if errors:
        raise ValidationFailed(_("Проверьте поля: %(fields)s", fields=", ".join(errors)),
                               details=errors)
    return clean


# --- organization and branches -------------------------------------------------------

def ensure_may_change(actor, employee: Employee) -> None:
    """Raise PermissionDenied unless the actor may change the employee (can_manage_employee)."""
    if not can_manage_employee(actor, employee):
        raise PermissionDenied(_("Сотрудник работает и в филиалах, к которым у вас нет "
                                 "доступа: изменить его может только администратор"),
                               code="branch_forbidden")


def _branches(actor, organization_id: int, branch_ids) -> list[Clinic]:
    """The branches of `branch_ids`: at least one, of the organization, each the actor's.

    Raises ValidationFailed (none, unknown, another organization's) and
    PermissionDenied (a branch the actor does not work in).
    """
    ids = list(dict.fromkeys(branch_ids))
    if not ids:
        message = _("Укажите хотя бы один филиал")
        raise ValidationFailed(message, details={"branches": [message]})
    clinics = {clinic.id: clinic for clinic in db.session.scalars(
        db.select(Clinic).where(Clinic.id.in_([i for i in ids if 0 < i <= MAX_ID])))}
    unknown = [str(i) for i in ids if i not in clinics]
    if unknown:
        message = _("Нет такого филиала: %(ids)s", ids=", ".join(unknown))
        raise ValidationFailed(message, details={"branches": [message]})
    if any(clinics[i].organization_id != organization_id for i in ids):
        message = _("Филиал принадлежит другой организации")
        raise ValidationFailed(message, details={"branches": [message]})
    visible = visible_branch_ids(actor)
    if visible is not None and any(i not in visible for i in ids):
        raise PermissionDenied(_("Нет доступа к этому филиалу"), code="branch_forbidden")
    return sorted(clinics.values(), key=lambda c: c.id)


def _audit_value(value):
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, list):
        return [getattr(item, "id", item) for item in value]
    return value


def _store_photo(employee: Employee, photo) -> None:
    if photo is not None:
        employee.photo_path = save_image(photo, "photo", "staff")


def _sync_user_branches(employee: Employee) -> None:
    # An account granted from the card works where the employee works
    # (administrators see every branch anyway).
    user = employee.user
    if user is not None and user.role not in ALL_BRANCHES_ROLES:
        user.branches = list(employee.branches)


# --- employees -----------------------------------------------------------------------

def create_employee(actor, data: dict, *, organization_id: int | None = None,
                    branch_ids=(), photo=None) -> Employee:
    """Add an employee of the actor's organization, working in at least one branch.

    `data` holds the FIELDS to set; `photo` is an uploaded image stream.
    Raises ValidationFailed (fields, no branch, unknown organization or branch),
    PermissionDenied (another organization, a branch not the actor's).
    """
    clean = _clean({"last_name": "", "first_name": "", **{k: data[k] for k in FIELDS if k in data}})
    organization_id = require_own_organization(actor, organization_id).id
    branches = _branches(actor, organization_id, branch_ids)
    employee = Employee(organization_id=organization_id, **{"color": DEFAULT_COLOR, **clean})
    employee.branches = branches
    _store_photo(employee, photo)
    db.session.add(employee)
    db.session.flush()
    record(actor, "employee.created", employee,
           {k: _audit_value(v) for k, v in {**clean, "branches": branches}.items()})
    return employee


def update_employee(actor, employee: Employee, data: dict, *, organization_id: int | None = None,
                    branch_ids=None, photo=None) -> Employee:
    """Change the given fields (a partial update); `branch_ids` None keeps the branches.

    Deactivating the employee (is_active false) also revokes their access to the
    system (revoke_access). Raises ValidationFailed, PermissionDenied (as
    create_employee; an employee who also works in a branch not the actor's,
    unless the actor is an administrator; deactivating an account the actor may
    not revoke); moving an employee to another organization is a ValidationFailed.
    """
    ensure_may_change(actor, employee)
    clean = _clean({k: data[k] for k in FIELDS if k in data})
    if organization_id is not None and require_own_organization(actor, organization_id).id \
            != employee.organization_id:
        message = _("Сотрудника нельзя перевести в другую организацию")
        raise ValidationFailed(message, details={"organization": [message]})
    if branch_ids is not None:
        clean["branches"] = _branches(actor, employee.organization_id, branch_ids)
    revoke = (clean.get("is_active") is False and employee.user is not None
              and employee.user.is_active)
    if revoke:
        _ensure_may_manage_access(actor, employee)
    changes = {}
    for name, value in clean.items():
        before = getattr(employee, name)
        if _audit_value(before) != _audit_value(value):
            changes[name] = [_audit_value(before), _audit_value(value)]
            setattr(employee, name, value)
    if photo is not None:
        before = employee.photo_path
        _store_photo(employee, photo)
        changes["photo"] = [before, employee.photo_path]
    if "branches" in changes:
        _sync_user_branches(employee)
    if changes:
        db.session.flush()
        record(actor, "employee.updated", employee, changes)
    if revoke:
        _disable_account(actor, employee)
    return employee


# --- system access -------------------------------------------------------------------

def may_grant(actor, role: str) -> bool:
    """Whether the actor may give a staff account this role: none above their own."""
    return role in STAFF_ROLES and ROLE_RANKS[role] <= ROLE_RANKS.get(actor.role, 0)


def _ensure_may_manage_access(actor, employee: Employee) -> None:
    ensure_may_change(actor, employee)
    user = employee.user
    if user is None:
        return
    if user.id == actor.id:
        raise PermissionDenied(_("Нельзя менять доступ своей собственной учётной записи"))
    if ROLE_RANKS.get(user.role, 0) > ROLE_RANKS.get(actor.role, 0):
        raise PermissionDenied(_("Доступ роли «%(role)s» может менять только администратор",
                                 role=user.role_label))


def _clean_login(username: str | None, email: str | None) -> tuple[str | None, str | None]:
    username = (username or "").strip().lower() or None
    if username and not USERNAME_RE.match(username):
        message = _("Логин: 3–150 символов, латинские буквы, цифры и . _ - @")
        raise ValidationFailed(message, details={"username": [message]})
    try:
        email = normalize_email(email) if (email or "").strip() else None
    except InvalidEmail as exc:
        raise ValidationFailed(str(exc), details={"email": [str(exc)]}) from exc
    return username, email


def _update_login(user: User, username: str | None, email: str | None) -> None:
    """Give a re-enabled account a new login name (the same rules as a new one)."""
    new_email = email or user.email
    new_username = username or user.username
    if (new_email, new_username) != (user.email, user.username):
        auth_services.check_login_names(new_email, new_username, user)
        user.email, user.username = new_email, new_username


def grant_access(actor, employee: Employee, password: str, role: str,
                 username: str | None = None, email: str | None = None) -> tuple[User, bool]:
    """Let the employee sign in: create their account, or re-enable a revoked one.

    The login is `username` when given, else the e-mail (`email`, else the
    employee's). A re-enabled account gets the new role, password and branches;
    an account that is active is left alone (a Conflict: revoke it first).
    Returns (user, created). Raises ValidationFailed (role, password, no e-mail,
    login format), PermissionDenied (a role above the actor's own, an account of
    a higher role or one's own, an employee of a branch not the actor's),
    Conflict (access already active, login or e-mail taken).
    """
    if role not in STAFF_ROLES:
        raise ValidationFailed(_("Неизвестная роль сотрудника"),
                               details={"role": [_("Выберите роль из списка")]})
    if not may_grant(actor, role):
        raise PermissionDenied(_("Роль «%(role)s» может выдать только администратор",
                                 role=ROLE_LABELS[role]))
    _ensure_may_manage_access(actor, employee)
    user = employee.user
    if user is not None and user.is_active:
        raise Conflict(_("У сотрудника уже есть доступ (логин %(login)s): чтобы сменить роль "
                         "или пароль, сначала отзовите доступ", login=user.login_name),
                       code="access_active")
    username, email = _clean_login(username, email)
    created = user is None
    if created:
        login_email = email or employee.email
        if not login_email:
            message = _("У сотрудника нет e-mail: укажите e-mail для учётной записи")
            raise ValidationFailed(message, details={"email": [message]})
        user = auth_services.create_user(
            actor, email=login_email, password=password, role=role, full_name=employee.full_name,
            phone=employee.phone, username=username,
            branch_ids=[branch.id for branch in employee.branches])
        employee.user = user
    else:
        _update_login(user, username, email)
        auth_services.set_password(actor, user, password)
        user.role = role
        user.is_active = True
        user.failed_logins = 0
        user.locked_until = None
        _sync_user_branches(employee)
    db.session.flush()
    record(actor, "employee.access_granted", employee,
           {"user_id": user.id, "login": user.login_name, "role": role, "created": created})
    return user, created


def _disable_account(actor, employee: Employee) -> User:
    user = employee.user
    user.is_active = False
    auth_services.sign_out_everywhere(user)
    record(actor, "employee.access_revoked", employee,
           {"user_id": user.id, "login": user.login_name})
    return user


def revoke_access(actor, employee: Employee) -> User:
    """Disable the employee's account and end every session and token of it.

    Raises Conflict (no account), PermissionDenied (one's own account, one of a
    higher role, an employee of a branch not the actor's).
    """
    ensure_may_change(actor, employee)
    if employee.user is None:
        raise Conflict(_("У сотрудника нет доступа в систему"), code="no_access")
    _ensure_may_manage_access(actor, employee)
    return _disable_account(actor, employee)
