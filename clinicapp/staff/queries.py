"""Read-only selects of the staff feature: who a user may see, lists, doctors."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..core.errors import NotFound, PermissionDenied
from ..core.routing import MAX_ID
from ..core.search import ESCAPE, contains_pattern
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.models import Clinic
from .models import Employee, employee_branches


def _in_branches(branch_ids):
    return Employee.id.in_(db.select(employee_branches.c.employee_id)
                           .where(employee_branches.c.clinic_id.in_(branch_ids)))


def _name_matches(search: str):
    full_name = func.concat_ws(" ", Employee.last_name, Employee.first_name, Employee.middle_name)
    return full_name.ilike(contains_pattern(search), escape=ESCAPE)


def can_see_employee(user, employee: Employee) -> bool:
    """Administrators see everyone; other staff those who work in one of their branches."""
    visible = visible_branch_ids(user)
    if visible is None:
        return True
    return any(branch.id in visible for branch in employee.branches)


def can_manage_employee(user, employee: Employee) -> bool:
    """Administrators change anyone; other staff only those who work in their branches alone.

    Seeing an employee takes one shared branch (can_see_employee); changing one, or
    their access, takes every branch of theirs: a manager of branch A must not reset
    the account of someone who also works in branch B.
    """
    visible = visible_branch_ids(user)
    if visible is None:
        return True
    return bool(employee.branches) and all(branch.id in visible for branch in employee.branches)


def employee_for(user, employee_id: int) -> Employee:
    """The employee the user may see. Raises NotFound, PermissionDenied (another branch)."""
    employee = db.session.get(Employee, employee_id) if 0 < employee_id <= MAX_ID else None
    if employee is None:
        raise NotFound(_("Сотрудник не найден"))
    if not can_see_employee(user, employee):
        raise PermissionDenied(_("Сотрудник работает в филиале, к которому у вас нет доступа"),
                               code="branch_forbidden")
    return employee


def employees_statement(user, *, branch_id: int | None = None, is_active: bool | None = None,
                        is_doctor: bool | None = None, search: str | None = None):
    """Employees the user may see, filtered; ordered by name.

    `branch_id` must already be checked against the user (org.branches.branch_for).
    """
    statement = (db.select(Employee)
                 .options(selectinload(Employee.branches), selectinload(Employee.user))
                 .order_by(Employee.last_name, Employee.first_name, Employee.id))
    visible = visible_branch_ids(user)
    if visible is not None:
        statement = statement.where(_in_branches(visible))
    if branch_id is not None:
        statement = statement.where(_in_branches([branch_id]))
    if is_active is not None:
        statement = statement.where(Employee.is_active.is_(is_active))
    if is_doctor is not None:
        statement = statement.where(Employee.is_doctor.is_(is_doctor))
    if search:
        statement = statement.where(_name_matches(search))
    return statement


def doctors_statement(*, search: str | None = None, clinic_id: int | None = None):
    """Active doctors for the public lists (document 001); search by name, taken literally."""
    statement = (db.select(Employee).where(Employee.is_doctor, Employee.is_active)
                 .order_by(Employee.last_name, Employee.first_name, Employee.id))
    if search:
        statement = statement.where(_name_matches(search))
    if clinic_id is not None:
        statement = statement.where(_in_branches([clinic_id]))
    return statement


def public_doctor(doctor_id: int) -> Employee:
    """An active doctor by id. Raises NotFound."""
    doctor = db.session.get(Employee, doctor_id) if 0 < doctor_id <= MAX_ID else None
    if doctor is None or not doctor.is_doctor or not doctor.is_active:
        raise NotFound(_("Врач не найден"))
    return doctor


def visible_branches(user) -> list[Clinic]:
    """Branches the user works in (every branch for administrators), by name."""
    statement = db.select(Clinic).order_by(Clinic.name, Clinic.id)
    visible = visible_branch_ids(user)
    if visible is not None:
        statement = statement.where(Clinic.id.in_(visible))
    return list(db.session.scalars(statement))
