"""Fixtures of the staff tests: two branches of one organization, employees, callers."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clinicapp.extensions import db
from clinicapp.staff.models import Employee
from tests.conftest import bearer


@pytest.fixture
def branches(make_clinic):
    """(A, B): two branches of the same organization."""
    return make_clinic("Филиал А"), make_clinic("Филиал Б")


@pytest.fixture
def make_employee(branches):
    """Factory: make_employee(last_name, branches=(A,), **fields) -> Employee (committed)."""
    counter = iter(range(1, 10_000))

    def factory(last_name: str | None = None, *, branches=(branches[0],), **fields):
        n = next(counter)
        values = {"first_name": "Пётр", "middle_name": "Ильич", "position": "Врач-терапевт",
                  "specializations": ["терапевт"], "color": "#2196F3", "is_doctor": True,
                  "rating": Decimal("4.5"), "hire_date": date(2020, 1, 15),
                  "description": "Принимает взрослых", **fields}
        employee = Employee(organization_id=branches[0].organization_id,
                            last_name=last_name or f"Сотрудников{n}", **values)
        employee.branches = list(branches)
        db.session.add(employee)
        db.session.commit()
        return employee

    return factory


@pytest.fixture
def api_as(make_user, api_login):
    """api_as(role, branches=(...)) -> (user, headers with a bearer token)."""

    def login(role: str = "manager", branches=(), **fields):
        user = make_user(role, branches=branches, **fields)
        return user, bearer(api_login(user.email)["access"])

    return login



@pytest.fixture
def uploads_in(app, tmp_path, monkeypatch):
    """Uploaded and generated images go to a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "uploads"
