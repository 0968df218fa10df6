"""The org services directly: permissions, audit, deactivation, values as the API sends them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.core.errors import PermissionDenied, ValidationFailed
from clinicapp.extensions import db
from clinicapp.org import services


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.action.like("clinic.%") | AuditEntry.action.like("organization.%"))
        .order_by(AuditEntry.id)))


@pytest.mark.parametrize("role", ["manager", "receptionist", "doctor", "patient"])
def test_only_admins_change_anything(branches, quick_user, role):
    user = quick_user(role, [branches.a] if role != "patient" else [])
    with pytest.raises(PermissionDenied):
        services.update_organization(user, branches.a.organization, {"kpp": "773601002"})
    with pytest.raises(PermissionDenied):
        services.create_clinic(user, branches.a.organization, {"name": "Ещё одна"})
    with pytest.raises(PermissionDenied):
        services.deactivate_clinic(user, branches.a)


def test_deactivation_is_idempotent_and_audited_once(branches, quick_user):
    admin = quick_user("admin")
    services.deactivate_clinic(admin, branches.a)
    services.deactivate_clinic(admin, branches.a)
    assert branches.a.is_active is False
    assert audit_actions() == ["clinic.deactivated"]
    services.update_clinic(admin, branches.a, {"is_active": True})
    assert audit_actions() == ["clinic.deactivated", "clinic.updated"]


def test_an_update_that_changes_nothing_is_not_audited(branches, quick_user):
    admin = quick_user("admin")
    services.update_organization(admin, branches.a.organization, {"inn": "7707083893"})
    services.update_clinic(admin, branches.a, {"name": "Клиника на Арбате", "rating": "4.7"})
    assert audit_actions() == []


def test_clinic_values_as_json_sends_them(organization, quick_user):
    admin = quick_user("admin")
    clinic = services.create_clinic(admin, organization, {
        "name": "  Клиника на Мира ", "latitude": 55.5, "longitude": Decimal("37.25"),
        "rating": 4, "timezone": "Asia/Tashkent",
        "opening_hours": {"fri": [["14:00", "18:00"], ["08:00", "12:00"]], "sat": []}})
    assert clinic.name == "Клиника на Мира" and clinic.rating == Decimal("4.0")
    assert clinic.opening_hours == {"fri": [["08:00", "12:00"], ["14:00", "18:00"]]}
    assert clinic.timezone == "Asia/Tashkent" and clinic.is_active


@pytest.mark.parametrize("data, fields", [
    ({"name": "X", "rating": True}, {"rating"}),
    ({"name": "X", "latitude": "NaN", "longitude": 1}, {"latitude"}),
    ({"name": "X", "opening_hours": {"mon": "9-10", "holiday": "10:00-11:00"}},
     {"opening_hours.mon", "opening_hours.holiday"}),
    ({"name": "X", "opening_hours": ["09:00-18:00"]}, {"opening_hours"}),
    ({"name": "X", "is_active": "yes"}, {"is_active"}),
    ({"name": "X", "colour": "red"}, {"colour"}),
    ({"name": "X\x00Y", "timezone": ""}, {"name", "timezone"}),
    ({}, {"name"}),
])
def test_clinic_validation_names_each_field(organization, quick_user, data, fields):
    admin = quick_user("admin")
    with pytest.raises(ValidationFailed) as caught:
        services.create_clinic(admin, organization, data)
    assert set(caught.value.details) == fields
    assert audit_actions() == []


def test_preexisting_inconsistency_is_not_blamed_on_another_change(organization, quick_user):
    admin = quick_user("admin")
    organization.settlement_account = "40702810638000054321"  # wrong key, stored earlier
    db.session.commit()
    services.update_organization(admin, organization, {"phone": "+74950000000"})
    with pytest.raises(ValidationFailed) as caught:
        services.update_organization(admin, organization,
                                     {"settlement_account": "40702810738000054321"})
    assert set(caught.value.details) == {"settlement_account"}
