"""JSON API of the org feature: the organization and its branches (002), clinics (001)."""
from __future__ import annotations

import marshmallow as ma
from flask import g, request, url_for
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from ..core.errors import NotAuthenticated, NotFound, ValidationFailed
from ..core.pagination import TOTAL_COUNT_DOC, limit_offset, total_header
from ..favorites.services import favorite_clinic_ids, set_favorite_clinic
from ..org import queries, services
from ..org.branches import branch_for, requested_branch_id
from .base import ApiBlueprint, require_auth
from .schemas import ApiSchema, PagingSchema

ERRORS = {
    400: "Неверные данные (поля названы в details)",
    401: "Нет токена доступа или он недействителен",
    403: "Недостаточно прав или филиал в X-Branch-Id не ваш",
    404: "Не найдено",
}

org = ApiBlueprint("api_v1_org", __name__, errors=ERRORS, tag="Организация · 002",
                   url_prefix="/api/v1/org",
                   description="Организация и филиалы (документ 002)")
clinics = ApiBlueprint("api_v1_clinics", __name__, errors=ERRORS, tag="Клиники · 001",
                       url_prefix="/api/v1/clinics",
                       description="Клиники для приложений пациентов (документ 001)")

# Lists and details of document 001 are public; a token, when sent, adds `is_favorite`.
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]


def upload_url(path: str | None) -> str | None:
    """Absolute URL of an uploaded image (the apps load it from another origin)."""
    return url_for("main.uploads", filename=path, _external=True) if path else None


def _number(value):
    return float(value) if value is not None else None


def _optional_user():
    """The caller behind a bearer token, None without one; a bad token is still a 401."""
    try:
        verify_jwt_in_request(optional=True)
        user = get_current_user()
    except (JWTExtendedException, PyJWTError) as exc:
        raise NotAuthenticated("Недействительный токен доступа") from exc
    if user is not None:
        g.api_user = user
    return user


# --- schemas ----------------------------------------------------------------------------

class ClinicListItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    address = ma.fields.String(allow_none=True)
    logo_url = ma.fields.String(allow_none=True, metadata={"description": "Абсолютный URL"})
    rating = ma.fields.Float(metadata={"description": "0–5, один знак после запятой"})
    phone = ma.fields.String(allow_none=True)
    timezone = ma.fields.String()
    is_favorite = ma.fields.Boolean(metadata={
        "description": "Только если запрос пришёл с токеном"})


class ClinicDetailSchema(ClinicListItemSchema):
    description = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    photo_urls = ma.fields.List(ma.fields.String())
    opening_hours = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.List(ma.fields.String())),
        metadata={"description": "По дням (mon … sun): [[\"09:00\", \"21:00\"]], местное время"})


class OrgBranchSchema(ClinicDetailSchema):
    is_active = ma.fields.Boolean()
    organization = ma.fields.Integer()


class ClinicListQuerySchema(PagingSchema):
    search = ma.fields.String(load_default="", validate=[
        ma.validate.Length(max=200, error="Не длиннее 200 символов"),
        ma.validate.Predicate("isprintable", error="Недопустимые символы в поиске")],
        metadata={"description": "Часть названия (регистр не важен, % и _ — обычные символы)"})


class FavoriteSchema(ma.Schema):
    clinic_id = ma.fields.Integer(required=True)
    is_favorite = ma.fields.Boolean(required=True)


class ClinicInfoSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    inn = ma.fields.String(allow_none=True)
    kpp = ma.fields.String(allow_none=True)
    ogrn = ma.fields.String(allow_none=True)
    legal_address = ma.fields.String(allow_none=True)
    postal_address = ma.fields.String(allow_none=True)
    bank_name = ma.fields.String(allow_none=True)
    bik = ma.fields.String(allow_none=True)
    settlement_account = ma.fields.String(allow_none=True)
    correspondent_account = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    currency = ma.fields.String(metadata={"description": "Валюта счетов, ISO 4217 (RUB, KZT…)"})
    logo_url = ma.fields.Function(lambda o: upload_url(o.logo_path), allow_none=True)


class ClinicInfoPatchSchema(ApiSchema):
    """Any subset of the requisites; null or "" clears an optional one."""

    name = ma.fields.String(metadata={"description": "Полное наименование"})
    inn = ma.fields.String(allow_none=True, metadata={
        "description": "10 цифр (юрлицо) или 12 (ИП), с контрольным числом"})
    kpp = ma.fields.String(allow_none=True, metadata={"description": "9 знаков"})
    ogrn = ma.fields.String(allow_none=True, metadata={"description": "13 или 15 цифр"})
    legal_address = ma.fields.String(allow_none=True)
    postal_address = ma.fields.String(allow_none=True)
    bank_name = ma.fields.String(allow_none=True)
    bik = ma.fields.String(allow_none=True, metadata={"description": "9 цифр"})
    settlement_account = ma.fields.String(allow_none=True, metadata={"description": "20 цифр"})
    correspondent_account = ma.fields.String(allow_none=True,
                                             metadata={"description": "20 цифр"})
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    currency = ma.fields.String(metadata={
        "description": "Валюта новых счетов, ISO 4217; выставленные счета остаются в своей"})


def clinic_payload(clinic, favorites: set[int] | None = None) -> dict:
    """Everything the schemas above may show of a clinic; `is_favorite` only for a caller."""
    payload = {
        "id": clinic.id, "name": clinic.name, "address": clinic.address,
        "logo_url": upload_url(clinic.logo_path), "rating": _number(clinic.rating),
        "phone": clinic.phone, "timezone": clinic.timezone, "description": clinic.description,
        "latitude": _number(clinic.latitude), "longitude": _number(clinic.longitude),
        "photo_urls": [upload_url(path) for path in clinic.photos or []],
        "opening_hours": clinic.opening_hours or {}, "is_active": clinic.is_active,
        "organization": clinic.organization_id,
    }
    if favorites is not None:
        payload["is_favorite"] = clinic.id in favorites
    return payload


def _favorites():
    user = _optional_user()
    return favorite_clinic_ids(user) if user is not None else None


def _organization_of(user):
    organization = queries.organization_for(user)
    if organization is None:
        raise NotFound("Организация ещё не заведена")
    return organization


# --- document 002: /api/v1/org -------------------------------------------------------------

@org.route("/branches", methods=["GET"])
@require_auth("org.view")
@org.response(200, OrgBranchSchema(many=True))
@org.branch_header()
@org.errors(400, 401, 403, 404)
def list_branches():
    """Филиалы, которые видит пользователь: администратор — все, остальные — свои.

    `X-Branch-Id` список не сужает (по нему приложение показывает переключатель
    филиалов), но чужой филиал в нём — 403, несуществующий — 404.
    """
    user = g.api_user
    branch_id = requested_branch_id()
    if branch_id is not None:
        branch_for(user, branch_id)
    return [clinic_payload(clinic) for clinic in queries.visible_branches(user)]


@org.route("/clinic-info", methods=["GET"])
@require_auth("org.view")
@org.response(200, ClinicInfoSchema)
@org.errors(401, 403, 404)
def get_clinic_info():
    """Реквизиты организации, которой принадлежат филиалы пользователя."""
    return _organization_of(g.api_user)


@org.route("/clinic-info", methods=["PATCH"])
@require_auth("org.manage")
@org.arguments(ClinicInfoPatchSchema, location="json")
@org.response(200, ClinicInfoSchema)
@org.errors(400, 401, 403, 404)
def patch_clinic_info(changes):
    """Изменить реквизиты (только администратор); проверяются ИНН, КПП, ОГРН, БИК, счета."""
    if request.get_json(silent=True) is None:
        raise ValidationFailed("Передайте изменяемые поля в теле запроса (JSON)",
                               details={"json": ["Нет тела запроса"]})
    organization = _organization_of(g.api_user)
    return services.update_organization(g.api_user, organization, changes)


# --- document 001: /api/v1/clinics --------------------------------------------------------

@clinics.route("", methods=["GET"])
@clinics.doc(security=OPTIONAL_BEARER)
@clinics.arguments(ClinicListQuerySchema, location="query")
@clinics.response(200, ClinicListItemSchema(many=True), headers=TOTAL_COUNT_DOC)
@clinics.errors(400, 401)
def list_clinics(query):
    """Действующие клиники по названию; всего — в заголовке X-Total-Count. Без токена тоже."""
    favorites = _favorites()
    rows, total = limit_offset(queries.public_clinics(query["search"]), query["limit"],
                               query["offset"])
    return [clinic_payload(clinic, favorites) for clinic in rows], 200, total_header(total)


@clinics.route("/<int:clinic_id>", methods=["GET"])
@clinics.doc(security=OPTIONAL_BEARER)
@clinics.response(200, ClinicDetailSchema)
@clinics.errors(401, 404)
def get_clinic(clinic_id: int):
    """Клиника: описание, рейтинг, часы работы, фото. Без токена тоже."""
    favorites = _favorites()
    return clinic_payload(queries.public_clinic(clinic_id), favorites)


def _set_favorite(clinic_id: int, present: bool) -> dict:
    set_favorite_clinic(g.api_user, clinic_id, present)
    return {"clinic_id": clinic_id, "is_favorite": present}


@clinics.route("/<int:clinic_id>/favorite", methods=["POST"])
@require_auth()
@clinics.response(200, FavoriteSchema)
@clinics.errors(401, 404)
def add_favorite(clinic_id: int):
    """Добавить клинику в избранное (повторный вызов ничего не меняет)."""
    return _set_favorite(clinic_id, True)


@clinics.route("/<int:clinic_id>/favorite", methods=["DELETE"])
@require_auth()
@clinics.response(200, FavoriteSchema)
@clinics.errors(401, 404)
def remove_favorite(clinic_id: int):
    """Убрать клинику из избранного (повторный вызов ничего не меняет)."""
    return _set_favorite(clinic_id, False)


BLUEPRINTS = (org, clinics)
