"""Patient records: register, change, find duplicates, invite to the cabinet.

Services flush and audit; the request (or CLI) commits. Audit entries name the
fields that changed, never their values: a patient's record is personal data.
"""
from __future__ import annotations

import secrets

from flask_babel import gettext as _

from ..audit.services import record
from ..auth import services as auth_services
from ..auth.models import User
from ..core.emails import InvalidEmail, normalize_email
from ..core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..org.branches import branch_for
from ..org.models import Organization
from . import queries
from .fields import clean_fields
from .models import Patient

EXTERNAL_IDS = ("external_1c_id", "external_bitrix_id")


def _check_clinic(actor, organization: Organization, clinic_id: int | None) -> None:
    if clinic_id is None:
        return
    if not 0 < clinic_id <= queries.MAX_ID:
        raise NotFound(_("Филиал не найден"), details={"clinic_id": [_("Нет такого филиала")]})
    clinic = branch_for(actor, clinic_id)
    if clinic.organization_id != organization.id:
        message = _("Филиал другой организации")
        raise PermissionDenied(message, details={"clinic_id": [message]})


def _check_external_ids(values: dict, exclude_id: int | None) -> None:
    for field in EXTERNAL_IDS:
        value = values.get(field)
        if not value:
            continue
        column = getattr(Patient, field)
        statement = db.select(Patient.id).where(column == value)
        if exclude_id is not None:
            statement = statement.where(Patient.id != exclude_id)
        existing = db.session.scalar(statement.limit(1))
        if existing is not None:
            message = _("Этот внешний идентификатор уже у другого пациента")
            raise Conflict(message, details={field: [message], "existing_id": existing})


def duplicate_error(existing: Patient) -> Conflict:
    return Conflict(_("Похоже, такой пациент уже есть: %(name)s (карточка № %(id)s)",
                      name=existing.full_name, id=existing.id),
                    code="duplicate_patient", details={"existing_id": existing.id})


def create_patient(actor, organization: Organization, data: dict, *,
                   force: bool = False) -> Patient:
    """Register a patient in `organization` from raw `data` (see fields.FIELDS).

    `clinic_id` (the registering branch) must be a branch the actor works in.
    Raises ValidationFailed (fields named in details), PermissionDenied / NotFound
    (clinic), Conflict with details {"existing_id": id} when a patient with one of
    the phones or the e-mail exists, unless `force`.
    """
    values = clean_fields(data, partial=False)
    _check_clinic(actor, organization, values["clinic_id"])
    if not force:
        phones = [p for p in [values["phone"], *values["extra_phones"]] if p]
        existing = queries.find_duplicate(organization.id, phones, values["email"])
        if existing is not None:
            raise duplicate_error(existing)
    _check_external_ids(values, None)
    patient = Patient(organization_id=organization.id, **values)
    db.session.add(patient)
    db.session.flush()
    filled = sorted(field for field, value in values.items() if value not in (None, [], ""))
    record(actor, "patient.created", patient,
           {"fields": filled, "clinic_id": values["clinic_id"], "forced": bool(force)})
    return patient


def update_patient(actor, patient: Patient, data: dict) -> list[str]:
    """Change the fields present in `data`; returns the names of those that changed.

    Raises ValidationFailed, PermissionDenied / NotFound (clinic_id), Conflict
    (external id taken).
    """
    values = clean_fields(data, partial=True)
    if "clinic_id" in values and values["clinic_id"] != patient.clinic_id:
        _check_clinic(actor, patient_organization(patient), values["clinic_id"])
    _check_external_ids(values, patient.id)
    changed = sorted(field for field, value in values.items()
                     if getattr(patient, field) != value)
    for field in changed:
        setattr(patient, field, values[field])
    if changed:
        db.session.flush()
        db.session.refresh(patient, ["search_name", "updated_at"])
        record(actor, "patient.updated", patient, {"fields": changed})
    return changed


def patient_organization(patient: Patient) -> Organization:
    return db.session.get(Organization, patient.organization_id)


def invite_to_cabinet(actor, patient: Patient, email: str | None = None) -> tuple[User, str]:
    """Give the patient a cabinet login (role patient) and link it to the record.

    Returns the user and a one-time password to hand over once (the e-mail
    invitation comes with the outbox). Raises Conflict (already invited, e-mail
    taken), ValidationFailed (no or bad e-mail).
    """
    if patient.user_id is not None:
        raise Conflict(_("Пациент уже приглашён в личный кабинет"),
                       details={"email": [_("Пациент уже приглашён")]})
    try:
        address = normalize_email(email or patient.email)
    except InvalidEmail as exc:
        message = _("Укажите e-mail пациента") if not (email or patient.email) else str(exc)
        raise ValidationFailed(message, details={"email": [message]}) from exc
    password = secrets.token_urlsafe(9)
    user = auth_services.create_user(actor, email=address, password=password, role="patient",
                                     full_name=patient.full_name, phone=patient.phone)
    patient.user_id = user.id
    if not patient.email:
        patient.email = address
    db.session.flush()
    record(actor, "patient.invited", patient, {"user_id": user.id})
    return user, password


def split_full_name(full_name: str) -> tuple[str, str, str | None]:
    """"Фамилия Имя Отчество" → (last, first, middle); missing parts are empty."""
    parts = (full_name or "").split()
    last = parts[0] if parts else ""
    first = parts[1] if len(parts) > 1 else ""
    middle = " ".join(parts[2:]) or None
    return last[:100], first[:100], middle[:100] if middle else None


def link_registered_user(user: User) -> Patient | None:
    """A patient record for a patient who registered (any register endpoint).

    Always a new record made from what the person typed, even when a record
    with the same phone or e-mail exists: a phone number or an address someone
    merely claims proves nothing, so an existing record is never handed over
    (staff merge duplicates; invite_to_cabinet links an existing record).
    Returns the user's record (already linked: that one), or None when there
    is no organization yet or the user is not a patient.
    """
    if user.role != "patient":
        return None
    linked = db.session.scalar(db.select(Patient).where(Patient.user_id == user.id))
    if linked is not None:
        return linked
    organization = db.session.scalar(db.select(Organization).order_by(Organization.id).limit(1))
    if organization is None:
        return None
    last, first, middle = split_full_name(user.full_name)
    last = last or user.email.split("@")[0][:100]
    patient = Patient(organization_id=organization.id, last_name=last, first_name=first,
                      middle_name=middle, phone=user.phone, email=user.email, user_id=user.id,
                      extra_phones=[])
    db.session.add(patient)
    db.session.flush()
    record(user, "patient.created", patient, {"user_id": user.id, "source": "registration"})
    return patient
