"""Read-only selects of the org feature: the caller's organization, visible and public clinics."""
from __future__ import annotations

from flask_babel import gettext as _

from ..core.errors import NotFound, PermissionDenied, ValidationFailed
from ..core.routing import MAX_ID
from ..core.search import ESCAPE, contains_pattern
from ..extensions import db
from .branches import visible_branch_ids
from .models import Clinic, Organization

STATUSES = {"active": True, "inactive": False}


def organization_for(user) -> Organization | None:
    """The organization of the user's branches, else the first one (one per installation)."""
    for branch in getattr(user, "branches", None) or []:
        return branch.organization
    return db.session.scalar(db.select(Organization).order_by(Organization.id).limit(1))


def require_own_organization(user, organization_id: int | None = None) -> Organization:
    """The user's organization (organization_for); `organization_id`, if given, must name it.

    Raises ValidationFailed (no organization yet, or no organization `organization_id`)
    and PermissionDenied (another organization's id).
    """
    own = organization_for(user)
    if own is None:
        message = _("Организация ещё не заведена")
        raise ValidationFailed(message, details={"organization": [message]})
    if organization_id is None or organization_id == own.id:
        return own
    if not 0 < organization_id <= MAX_ID or db.session.get(Organization, organization_id) is None:
        raise ValidationFailed(_("Организация не найдена"),
                               details={"organization": [_("Нет такой организации")]})
    raise PermissionDenied(_("Можно работать только со своей организацией"),
                           code="organization_forbidden",
                           details={"organization": [_("Это не ваша организация")]})


def visible_branches(user, status: str | None = None) -> list[Clinic]:
    """Branches the user may see (administrators: all), by name; `status` active/inactive."""
    statement = db.select(Clinic).order_by(Clinic.name, Clinic.id)
    ids = visible_branch_ids(user)
    if ids is not None:
        statement = statement.where(Clinic.id.in_(ids))
    if status in STATUSES:
        statement = statement.where(Clinic.is_active.is_(STATUSES[status]))
    return list(db.session.scalars(statement))


def get_clinic(clinic_id: int) -> Clinic:
    """Any branch by id, active or not. Raises NotFound."""
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(_("Филиал не найден"))
    return clinic


def public_clinics(search: str | None = None):
    """A select of the active clinics (what the apps show), by name; `search` taken literally."""
    statement = db.select(Clinic).where(Clinic.is_active).order_by(Clinic.name, Clinic.id)
    if search and search.strip():
        statement = statement.where(Clinic.name.ilike(contains_pattern(search.strip()),
                                                      escape=ESCAPE))
    return statement


def public_clinic(clinic_id: int) -> Clinic:
    """An active clinic. Raises NotFound for an unknown or deactivated one."""
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or not clinic.is_active:
        raise NotFound(_("Клиника не найдена"), details={"clinic_id": [_("Нет такой клиники")]})
    return clinic
