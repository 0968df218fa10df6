"""JSON API of the patients feature (document 002: /api/v1/patients/patients)."""
from __future__ import annotations

import marshmallow as ma
from flask import g

from ..core.errors import ValidationFailed
from ..core.pagination import TOTAL_COUNT_DOC, total_header
from ..core.permissions import has_permission
from ..core.phones import InvalidPhone, normalize_phone
from ..core.routing import MAX_ID
from ..org.branches import branch_for, requested_branch_id
from ..org.queries import require_own_organization
from ..patients import queries, services
from ..patients.fields import MAX_EXTRA_PHONES, MAX_LENGTHS
from .base import ApiBlueprint, require_auth
from .schemas import ApiSchema, PagingSchema

ERRORS = {
    400: "Неверные данные (поля названы в details)",
    401: "Нужен действительный токен доступа",
    403: "Недостаточно прав, чужая организация или филиал",
    404: "Пациент или филиал не найден",
    409: "Такой пациент уже есть: details.existing_id — его id (повторите с force: true)",
}

blp = ApiBlueprint("api_v1_patients", __name__, errors=ERRORS, tag="Пациенты · 002",
                   url_prefix="/api/v1/patients",
                   description="Пациенты (документ 002)")

PRIVATE_FIELDS = ("document_number", "notes")
ID_RANGE = ma.validate.Range(min=1, max=MAX_ID)
ID = "<int:patient_id>"


def _text(field: str, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(max=MAX_LENGTHS[field]), **kwargs)


def _optional(field: str) -> ma.fields.String:
    return _text(field, allow_none=True)


PHONE = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32),
                         metadata={"example": "+77011234567",
                                   "description": "Любой формат: +7…, 8…, 998…"})


class PatientFieldsSchema(ApiSchema):
    """What a client may send when creating or changing a patient."""

    middle_name = _optional("middle_name")
    birth_date = ma.fields.Date(allow_none=True, metadata={"example": "1990-05-15"})
    sex = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(("M", "F")))
    phone = PHONE
    extra_phones = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=32)),
                                  validate=ma.validate.Length(max=MAX_EXTRA_PHONES))
    email = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=255))
    address = _optional("address")
    document_type = _optional("document_type")
    document_number = _optional("document_number")
    notes = _optional("notes")
    consent_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "Когда пациент дал согласие на обработку персональных данных"})
    external_1c_id = _optional("external_1c_id")
    external_bitrix_id = _optional("external_bitrix_id")
    clinic_id = ma.fields.Integer(allow_none=True, strict=True, validate=ID_RANGE,
                                  metadata={"description": "Филиал, где зарегистрирован"})


class PatientCreateSchema(PatientFieldsSchema):
    organization = ma.fields.Integer(strict=True, validate=ID_RANGE, metadata={
        "description": "Организация вызывающего (по умолчанию — она же)"})
    first_name = _text("first_name", required=True)
    last_name = _text("last_name", required=True)
    force = ma.fields.Boolean(load_default=False, metadata={
        "description": "Создать, даже если есть пациент с тем же телефоном или e-mail"})


class PatientUpdateSchema(PatientFieldsSchema):
    first_name = _text("first_name")
    last_name = _text("last_name")


class PatientSchema(ma.Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.UUID()
    organization = ma.fields.Integer(attribute="organization_id")
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    middle_name = ma.fields.String(allow_none=True)
    full_name = ma.fields.String()
    birth_date = ma.fields.Date(allow_none=True)
    sex = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    extra_phones = ma.fields.List(ma.fields.String())
    email = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    document_type = ma.fields.String(allow_none=True)
    document_number = ma.fields.String(allow_none=True, metadata={
        "description": "Только для ролей с правом patients.manage"})
    notes = ma.fields.String(allow_none=True, metadata={
        "description": "Только для ролей с правом patients.manage"})
    consent_at = ma.fields.DateTime(allow_none=True)
    external_1c_id = ma.fields.String(allow_none=True)
    external_bitrix_id = ma.fields.String(allow_none=True)
    clinic_id = ma.fields.Integer(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class PatientListQuerySchema(PagingSchema):
    search = ma.fields.String(load_default="", validate=ma.validate.Length(max=100), metadata={
        "description": "Части ФИО в любом порядке, цифры телефона или дата рождения ДД.ММ.ГГГГ"})


class PhoneSearchSchema(ApiSchema):
    phone = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32),
                             metadata={"example": "+77011234567"})


class PhoneSearchResultSchema(ma.Schema):
    found = ma.fields.Boolean()
    count = ma.fields.Integer()
    patients = ma.fields.List(ma.fields.Nested(PatientSchema))




def _organization(organization_id: int | None = None):
    """The caller's organization; an X-Branch-Id must name one of the caller's branches."""
    branch_id = requested_branch_id()
    if branch_id is not None:
        branch_for(g.api_user, branch_id)
    return require_own_organization(g.api_user, organization_id)


def _dump(patient) -> dict:
    """The patient as the schema reads it; private fields only for patients.manage."""
    attributes = [field.attribute or name for name, field in PatientSchema().fields.items()]
    data = {attribute: getattr(patient, attribute) for attribute in attributes}
    if not has_permission(g.api_user, "patients.manage"):
        for name in PRIVATE_FIELDS:
            data.pop(name)
    return data


@blp.route("/patients", methods=["GET"])
@require_auth("patients.view")
@blp.arguments(PatientListQuerySchema, location="query")
@blp.response(200, PatientSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def list_patients(query):
    """Пациенты организации: поиск по ФИО, телефону, дате рождения; `limit`/`offset`.

    Найденные сортируются по ФИО (если их не больше 500), остальные списки — новые первыми.
    """
    rows, total = queries.page_of_patients(_organization().id, query["search"], query["limit"],
                                           query["offset"])
    return [_dump(p) for p in rows], 200, total_header(total)


@blp.route("/patients", methods=["POST"])
@require_auth("patients.manage")
@blp.arguments(PatientCreateSchema, location="json")
@blp.response(201, PatientSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404, 409)
def create_patient(data):
    """Новый пациент. Дубликат по телефону или e-mail — 409 с `details.existing_id`."""
    organization = _organization(data.pop("organization", None))
    force = data.pop("force")
    data["clinic_id"] = requested_branch_id(data.get("clinic_id"))
    patient = services.create_patient(g.api_user, organization, data, force=force)
    return _dump(patient)


@blp.route("/patients/search", methods=["POST"])
@require_auth("patients.view")
@blp.arguments(PhoneSearchSchema, location="json")
@blp.response(200, PhoneSearchResultSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def search_by_phone(data):
    """Поиск по телефону в любом формате: `{found, count, patients}`."""
    organization = _organization()
    try:
        phone = normalize_phone(data["phone"])
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), details={"phone": [str(exc)]}) from exc
    patients = queries.find_by_phone(organization.id, phone)
    return {"found": bool(patients), "count": len(patients),
            "patients": [_dump(p) for p in patients]}


@blp.route(f"/patients/{ID}", methods=["GET"])
@require_auth("patients.view")
@blp.response(200, PatientSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def get_patient(patient_id: int):
    """Карточка пациента."""
    return _dump(queries.get_patient(_organization().id, patient_id))


@blp.route(f"/patients/{ID}", methods=["PATCH"])
@require_auth("patients.manage")
@blp.arguments(PatientUpdateSchema, location="json", required=False)
@blp.response(200, PatientSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404, 409)
def update_patient(data, patient_id: int):
    """Изменить переданные поля (`null` очищает необязательное поле)."""
    patient = queries.get_patient(_organization().id, patient_id)
    services.update_patient(g.api_user, patient, data)
    return _dump(patient)


BLUEPRINTS = (blp,)
