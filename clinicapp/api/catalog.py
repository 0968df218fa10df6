"""The price list over JSON: public reads of document 001, staff reads and edits of 002.

Both live under /api/v1/services; ids use integer converters, so the fixed paths
`/services` and `/categories/tree` never reach `/{service_id}`.
"""
from __future__ import annotations

import marshmallow as ma
from flask import g, request

from ..catalog import queries, services
from ..catalog.fields import MAX_DURATION, MAX_PRICE, MIN_DURATION, capitalized, price
from ..core.errors import NotFound, ValidationFailed
from ..core.pagination import TOTAL_COUNT_DOC, limit_field, limit_offset, total_header
from ..core.routing import MAX_ID
from ..org.branches import branch_for, requested_branch_id
from .base import ApiBlueprint, require_auth
from .schemas import ApiSchema, PagingSchema

ERRORS = {
    400: "Неверные данные (поля названы в details)",
    401: "Нужен действительный токен доступа",
    403: "Недостаточно прав или нет доступа к филиалу",
    404: "Не найдено",
    409: "Конфликт: код услуги или название категории уже заняты",
}

public = ApiBlueprint("api_v1_services", __name__, errors=ERRORS, tag="Услуги · 001",
                      url_prefix="/api/v1/services",
                      description="Услуги для приложений пациентов (документ 001, без входа)")
staff = ApiBlueprint("api_v1_services_catalog", __name__, errors=ERRORS, tag="Прайс-лист · 002",
                     url_prefix="/api/v1/services",
                     description="Прайс-лист для сотрудников (документ 002): услуги и категории")

LENGTH_ERROR = "Длина — от {min} до {max} символов"
RANGE_ERROR = "Допустимо от {min} до {max}"
REQUIRED = {"required": "Обязательное поле", "null": "Поле не может быть пустым"}
NO_SPACES = {"description": "Без пробелов, например B01.047.001"}
NOT_BLANK = {"description": "Не пустое"}
PRICE_DOC = {"minimum": 0, "maximum": float(MAX_PRICE),
             "description": "Рубли, не больше двух знаков после запятой"}


# --- fields ----------------------------------------------------------------------

class Money(ma.fields.Float):
    """A price in rubles: a JSON number in, Decimal inside, a number out."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ma.ValidationError("Цена должна быть числом")
        try:
            return price(value)
        except ValueError as exc:
            raise ma.ValidationError(capitalized(str(exc))) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


class StrictBoolean(ma.fields.Boolean):
    """JSON true/false only (not 1, "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError("Ожидается true или false")
        return value


def _range(minimum: int, maximum: int):
    return ma.validate.Range(min=minimum, max=maximum, error=RANGE_ERROR)


def _id(**kwargs):
    return ma.fields.Integer(strict=True, validate=_range(1, MAX_ID),
                             error_messages={**REQUIRED, "invalid": "Ожидается целое число"},
                             **kwargs)


def _query_id(description: str):
    return ma.fields.Integer(validate=_range(1, MAX_ID),
                             error_messages={"invalid": "Ожидается целое число"},
                             metadata={"description": description})


def _text(maximum: int, minimum: int = 0, **kwargs):
    length = ma.validate.Length(min=minimum, max=maximum, error=LENGTH_ERROR)
    return ma.fields.String(validate=length,
                            error_messages={**REQUIRED, "invalid": "Ожидается строка"}, **kwargs)


# --- query and body schemas -------------------------------------------------------

class PublicServicesQuery(PagingSchema):
    search = _text(200, load_default=None, metadata={"description": "Часть названия"})
    clinic_id = _query_id("Только услуги этой клиники")
    doctor_id = _query_id("Только услуги этого врача")


class PublicServiceQuery(ApiSchema):
    clinic_id = _query_id("Клиника, выбранная в приложении: станет `clinic_id` ответа")
    doctor_id = _query_id("Врач, выбранный в приложении: станет `doctor_id` ответа")


class StaffServicesQuery(PagingSchema):
    category = _query_id("Категория вместе со всеми её подкатегориями")
    is_active = ma.fields.Boolean(truthy={"true"}, falsy={"false"},
                                  error_messages={"invalid": "Ожидается true или false"})
    search = _text(200, load_default=None, metadata={"description": "Часть названия или кода"})
    limit = limit_field(None, "Сколько вернуть, 1–100 (больше — вернётся 100); без него — все")


class ServicePatchSchema(ApiSchema):
    code = _text(50, 1, metadata=NO_SPACES)
    name = _text(255, 1, metadata=NOT_BLANK)
    description = _text(10_000, allow_none=True)
    price = Money(metadata=PRICE_DOC)
    duration = ma.fields.Integer(
        strict=True, validate=_range(MIN_DURATION, MAX_DURATION),
        error_messages={**REQUIRED, "invalid": "Ожидается целое число"},
        metadata={"description": "Минуты, 1–720"})
    category = _id(allow_none=True, metadata={"description": "id категории или null"})
    clinics = ma.fields.List(_id(), metadata={"description": "id филиалов"})
    doctors = ma.fields.List(_id(), metadata={"description": "id врачей"})
    is_active = StrictBoolean()


class ServiceCreateSchema(ServicePatchSchema):
    code = _text(50, 1, required=True, metadata=NO_SPACES)
    name = _text(255, 1, required=True, metadata=NOT_BLANK)
    price = Money(required=True, error_messages=REQUIRED, metadata=PRICE_DOC)
    duration = ma.fields.Integer(
        required=True, strict=True,
        validate=_range(MIN_DURATION, MAX_DURATION),
        error_messages={**REQUIRED, "invalid": "Ожидается целое число"},
        metadata={"description": "Минуты, 1–720"})


def _parent():
    return _id(allow_none=True,
               metadata={"description": "id родительской категории; null — верхний уровень"})


def _position():
    return ma.fields.Integer(strict=True, validate=_range(0, MAX_ID),
                             error_messages={"invalid": "Ожидается целое число"},
                             metadata={"description": "Место среди соседей, с 0; без него — "
                                                      "в конец"})


class CategoryCreateSchema(ApiSchema):
    name = _text(255, 1, required=True, metadata=NOT_BLANK)
    parent = _parent()
    position = _position()


class CategoryPatchSchema(ApiSchema):
    name = _text(255, 1, metadata=NOT_BLANK)
    parent = _parent()
    position = _position()
    is_active = StrictBoolean()


# --- response schemas --------------------------------------------------------------

class PublicServiceSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    price = Money()
    duration = ma.fields.Integer(attribute="duration_minutes",
                                 metadata={"description": "Длительность, минуты"})


class PublicServiceDetailSchema(PublicServiceSchema):
    clinic_id = ma.fields.Integer(allow_none=True, metadata={"description": (
        "Единственная клиника услуги, иначе названная в запросе (если её там оказывают), "
        "иначе null")})
    doctor_id = ma.fields.Integer(allow_none=True, metadata={"description": (
        "Единственный врач услуги, иначе названный в запросе (если он её оказывает), "
        "иначе null")})
    clinic_ids = ma.fields.List(ma.fields.Integer())
    doctor_ids = ma.fields.List(ma.fields.Integer())


class ServiceSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    price = Money()
    duration = ma.fields.Integer(metadata={"description": "Минуты"})
    category = ma.fields.Integer(allow_none=True)
    category_path = ma.fields.String(allow_none=True)
    clinics = ma.fields.List(ma.fields.Integer())
    doctors = ma.fields.List(ma.fields.Integer())
    is_active = ma.fields.Boolean()


class CategorySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    parent = ma.fields.Integer(allow_none=True)
    position = ma.fields.Integer()
    is_active = ma.fields.Boolean()
    path = ma.fields.String()


class CategoryTreeSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    position = ma.fields.Integer()
    is_active = ma.fields.Boolean()
    services_count = ma.fields.Integer(metadata={"description": "Услуг прямо в категории"})
    children = ma.fields.List(ma.fields.Nested(lambda: CategoryTreeSchema()))




def _service_dict(service, paths: dict, prices: dict | None = None) -> dict:
    """A service of the staff API, with its price in force today (a planned change shows
    from its day on)."""
    prices = queries.prices_in_force([service]) if prices is None else prices
    return {"id": service.id, "code": service.code, "name": service.name,
            "description": service.description, "price": prices[service.id],
            "duration": service.duration_minutes, "category": service.category_id,
            "category_path": paths.get(service.category_id),
            "clinics": [c.id for c in service.clinics], "doctors": [d.id for d in service.doctors],
            "is_active": service.is_active}


def _public_dict(service) -> dict:
    return {"id": service.id, "name": service.name, "description": service.description,
            "duration_minutes": service.duration_minutes}


def _category_dict(category) -> dict:
    return {"id": category.id, "name": category.name, "parent": category.parent_id,
            "position": category.position, "is_active": category.is_active,
            "path": queries.category_paths()[category.id]}


def _branch_id() -> int | None:
    """X-Branch-Id, if sent: a branch the caller may see (400 blank, 403 not theirs, 404)."""
    branch_id = requested_branch_id()
    return None if branch_id is None else branch_for(g.api_user, branch_id).id


def _require_body() -> None:
    """PATCH without a body is a mistake of the client, not an empty change."""
    if not request.get_data(cache=True):
        raise ValidationFailed("Пустой запрос: передайте JSON с полями, которые нужно изменить")


def _pick(ids: list[int], wanted: int | None) -> int | None:
    """Issue 7: the only one; else the one the request names, if it is among them; else None."""
    if len(ids) == 1:
        return ids[0]
    return wanted if wanted in ids else None


# --- document 001: public ------------------------------------------------------------

@public.route("", methods=["GET"])
@public.arguments(PublicServicesQuery, location="query")
@public.response(200, PublicServiceSchema(many=True), headers=TOTAL_COUNT_DOC)
@public.errors(400)
def list_public_services(query):
    """Активные услуги: поиск по названию, фильтры по клинике и врачу; всего — в X-Total-Count."""
    statement = queries.public_services_statement(
        search=query.get("search"), clinic_id=query.get("clinic_id"),
        doctor_id=query.get("doctor_id"))
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    prices = queries.prices_in_force(rows)
    return [{**_public_dict(s), "price": prices[s.id]} for s in rows], 200, total_header(total)


@public.route("/<int:service_id>", methods=["GET"])
@public.arguments(PublicServiceQuery, location="query")
@public.response(200, PublicServiceDetailSchema)
@public.errors(400, 404)
def get_public_service(query, service_id: int):
    """Активная услуга: `clinic_id`/`doctor_id` (единственные или выбранные в запросе) и
    их списки `clinic_ids`/`doctor_ids`; скрытая или неизвестная услуга — 404."""
    service = queries.public_service(service_id)
    if service is None:
        raise NotFound("Услуга не найдена")
    clinic_ids = queries.public_clinic_ids(service)
    doctor_ids = queries.public_doctor_ids(service)
    return {**_public_dict(service), "price": queries.price_in_force(service),
            "clinic_id": _pick(clinic_ids, query.get("clinic_id")),
            "doctor_id": _pick(doctor_ids, query.get("doctor_id")),
            "clinic_ids": clinic_ids, "doctor_ids": doctor_ids}


# --- document 002: staff ---------------------------------------------------------------

@staff.route("/services", methods=["GET"])
@require_auth("catalog.view")
@staff.arguments(StaffServicesQuery, location="query")
@staff.response(200, ServiceSchema(many=True), headers=TOTAL_COUNT_DOC)
@staff.branch_header("Филиал: только услуги, которые в нём оказывают")
@staff.errors(400, 401, 403, 404)
def list_services(query):
    """Услуги: `category` (с подкатегориями), `is_active`, `search` (название или код);
    `limit`/`offset` по желанию, всего — в X-Total-Count."""
    branch_id = _branch_id()
    statement = queries.services_statement(
        category=query.get("category"), is_active=query.get("is_active"),
        search=query.get("search"), clinic=branch_id)
    # Without `limit` the whole (filtered) price list: it is hundreds of rows, not millions.
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    paths, prices = queries.category_paths(), queries.prices_in_force(rows)
    return [_service_dict(s, paths, prices) for s in rows], 200, total_header(total)


@staff.route("/services", methods=["POST"])
@require_auth("catalog.manage")
@staff.arguments(ServiceCreateSchema, location="json")
@staff.response(201, ServiceSchema)
@staff.errors(400, 401, 403, 409)
def create_service(data):
    """Новая услуга (администратор, управляющий); первая цена попадает в историю цен."""
    service = services.create_service(g.api_user, **data)
    return _service_dict(service, queries.category_paths())


@staff.route("/services/<int:service_id>", methods=["GET"])
@require_auth("catalog.view")
@staff.response(200, ServiceSchema)
@staff.errors(401, 403, 404)
def get_service(service_id: int):
    """Услуга со всеми полями прайс-листа."""
    return _service_dict(services.get_service(service_id), queries.category_paths())


@staff.route("/services/<int:service_id>", methods=["PATCH"])
@require_auth("catalog.manage")
@staff.arguments(ServicePatchSchema, location="json")
@staff.response(200, ServiceSchema)
@staff.errors(400, 401, 403, 404, 409)
def update_service(data, service_id: int):
    """Изменить услугу; новая цена добавляет строку в историю цен."""
    _require_body()
    service = services.update_service(g.api_user, services.get_service(service_id), **data)
    return _service_dict(service, queries.category_paths())


@staff.route("/categories/tree", methods=["GET"])
@require_auth("catalog.view")
@staff.response(200, CategoryTreeSchema(many=True))
@staff.errors(401, 403)
def category_tree():
    """Дерево категорий любой глубины, соседи — по `position`."""
    return queries.category_tree()


@staff.route("/categories", methods=["POST"])
@require_auth("catalog.manage")
@staff.arguments(CategoryCreateSchema, location="json")
@staff.response(201, CategorySchema)
@staff.errors(400, 401, 403, 409)
def create_category(data):
    """Новая категория: `parent` (или верхний уровень), `position` (или в конец)."""
    category = services.create_category(g.api_user, **data)
    return _category_dict(category)


@staff.route("/categories/<int:category_id>", methods=["PATCH"])
@require_auth("catalog.manage")
@staff.arguments(CategoryPatchSchema, location="json")
@staff.response(200, CategorySchema)
@staff.errors(400, 401, 403, 404, 409)
def update_category(data, category_id: int):
    """Переименовать, перенести (`parent`), переставить (`position`), (де)активировать.
    Перенос внутрь собственной подкатегории — 400."""
    _require_body()
    category = services.update_category(g.api_user, services.get_category(category_id), **data)
    return _category_dict(category)


BLUEPRINTS = (public, staff)
