"""JSON API of the staff feature: employees (document 002) and doctors (document 001)."""
from __future__ import annotations

import marshmallow as ma
from flask import g, url_for

from ..auth.models import STAFF_ROLES
from ..core.pagination import TOTAL_COUNT_DOC, limit_field, limit_offset, total_header
from ..core.routing import MAX_ID
from ..favorites.services import set_favorite_doctor
from ..org.branches import branch_for, requested_branch_id
from ..staff import queries, services
from ..staff.services import COLOR_RE, MAX_SPECIALIZATIONS, TEXT_LIMITS
from .base import ApiBlueprint, require_auth
from .schemas import ApiSchema, PagingSchema

ERRORS = {
    400: "Неверные данные (поля названы в details)",
    401: "Нужен действительный токен доступа",
    403: "Недостаточно прав, чужая организация или филиал",
    404: "Не найдено",
    409: "Конфликт: логин или e-mail заняты, у сотрудника нет доступа",
}

blp = ApiBlueprint("api_v1_staff", __name__, errors=ERRORS, tag="Сотрудники · 002",
                   url_prefix="/api/v1/staff",
                   description="Сотрудники и доступ в систему (документ 002)")
doctors = ApiBlueprint("api_v1_doctors", __name__, errors=ERRORS, tag="Врачи · 001",
                       url_prefix="/api/v1/doctors",
                       description="Врачи для приложений пациентов (документ 001)")

REQUIRED = {"required": "Обязательное поле", "null": "Обязательное поле"}


def _text(field: str, **kwargs) -> ma.fields.String:
    limit = TEXT_LIMITS[field]
    return ma.fields.String(validate=ma.validate.Length(
        max=limit, error=f"Не длиннее {limit} символов"), error_messages=REQUIRED, **kwargs)


def _id(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def photo_url(employee) -> str | None:
    if not employee.photo_path:
        return None
    return url_for("main.uploads", filename=employee.photo_path, _external=True)


# --- schemas -------------------------------------------------------------------------

class EmployeeFieldsSchema(ApiSchema):
    """What a client may send when creating or changing an employee."""

    last_name = _text("last_name", metadata={"example": "Иванов"})
    first_name = _text("first_name", metadata={"example": "Иван"})
    middle_name = _text("middle_name", allow_none=True)
    position = _text("position", metadata={"example": "Врач-стоматолог"})
    specializations = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=100)),
        validate=ma.validate.Length(max=MAX_SPECIALIZATIONS),
        metadata={"example": ["стоматолог-терапевт"]})
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32),
                             metadata={"example": "+77011234567"})
    email = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=255))
    hire_date = ma.fields.Date(allow_none=True, metadata={"example": "2024-01-01"})
    color = ma.fields.String(validate=ma.validate.Regexp(
        COLOR_RE, error="Цвет в формате #RRGGBB"), metadata={"example": "#2196F3"})
    description = _text("description", allow_none=True)
    rating = ma.fields.Float(validate=ma.validate.Range(min=0, max=5),
                             metadata={"description": "Рейтинг врача, 0–5"})
    is_doctor = ma.fields.Boolean()
    is_active = ma.fields.Boolean()
    branches = ma.fields.List(_id(strict=True), metadata={
        "description": "id филиалов, где работает; по умолчанию — филиал из X-Branch-Id"})
    organization = _id(strict=True, metadata={
        "description": "Организация вызывающего (по умолчанию — она же)"})


class EmployeeCreateSchema(EmployeeFieldsSchema):
    last_name = _text("last_name", required=True, metadata={"example": "Иванов"})
    first_name = _text("first_name", required=True, metadata={"example": "Иван"})


class EmployeeAccessSchema(ma.Schema):
    user_id = ma.fields.Integer(attribute="id")
    username = ma.fields.String(attribute="login_name",
                                metadata={"description": "Логин для входа"})
    role = ma.fields.String()
    is_active = ma.fields.Boolean()


class EmployeeSchema(ma.Schema):
    id = ma.fields.Integer()
    organization = ma.fields.Integer(attribute="organization_id")
    last_name = ma.fields.String()
    first_name = ma.fields.String()
    middle_name = ma.fields.String(allow_none=True)
    full_name = ma.fields.String()
    position = ma.fields.String()
    specializations = ma.fields.List(ma.fields.String())
    specialization = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    hire_date = ma.fields.Date(allow_none=True)
    color = ma.fields.String()
    photo_url = ma.fields.Function(photo_url, allow_none=True)
    description = ma.fields.String(allow_none=True)
    rating = ma.fields.Float()
    branches = ma.fields.Function(lambda e: [b.id for b in e.branches],
                                  metadata={"description": "id филиалов"})
    is_doctor = ma.fields.Boolean()
    is_active = ma.fields.Boolean()
    user_id = ma.fields.Integer(allow_none=True)
    access = ma.fields.Nested(EmployeeAccessSchema, attribute="user", allow_none=True, metadata={
        "description": "Учётная запись сотрудника, если доступ выдавался"})


class EmployeeListQuerySchema(PagingSchema):
    limit = limit_field(None, "Сколько записей вернуть, 1–100 (больше — вернётся 100); "
                              "по умолчанию все")
    branch = _id(load_default=None, metadata={"description": "id филиала"})
    is_active = ma.fields.Boolean(load_default=None)
    is_doctor = ma.fields.Boolean(load_default=None)
    search = ma.fields.String(load_default="", validate=ma.validate.Length(max=100),
                              metadata={"description": "Часть ФИО (знаки % и _ — как текст)"})


class GrantAccessSchema(ApiSchema):
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128),
                                error_messages=REQUIRED)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(STAFF_ROLES),
                            error_messages=REQUIRED, metadata={"example": "doctor"})
    username = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=150),
                                metadata={"description": "Логин (по умолчанию — e-mail)"})
    email = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=255),
                             metadata={"description": "E-mail учётной записи "
                                                      "(по умолчанию — e-mail сотрудника)"})


class DoctorSchema(ma.Schema):
    id = ma.fields.Integer()
    full_name = ma.fields.String()
    specialization = ma.fields.String()
    photo_url = ma.fields.Function(photo_url, allow_none=True)
    rating = ma.fields.Float()


class DoctorDetailSchema(DoctorSchema):
    description = ma.fields.String(allow_none=True)
    specializations = ma.fields.List(ma.fields.String())
    position = ma.fields.String()
    clinic_ids = ma.fields.Function(lambda e: [b.id for b in e.branches])


class DoctorListQuerySchema(PagingSchema):
    search = ma.fields.String(load_default="", validate=ma.validate.Length(max=100),
                              metadata={"description": "Часть ФИО (знаки % и _ — как текст)"})
    clinic_id = _id(load_default=None, metadata={"description": "Только врачи этой клиники"})


class DoctorFavoriteSchema(ma.Schema):
    doctor_id = ma.fields.Integer()
    is_favorite = ma.fields.Boolean()


# --- document 002: /api/v1/staff -----------------------------------------------------

def _branch(query_branch: int | None = None) -> int | None:
    """The branch named by `branch` and/or X-Branch-Id, checked against the caller."""
    branch_id = requested_branch_id(query_branch)
    if branch_id is not None:
        branch_for(g.api_user, branch_id)
    return branch_id


def _employee(employee_id: int):
    _branch()
    return queries.employee_for(g.api_user, employee_id)


@blp.route("/employees", methods=["GET"])
@require_auth("staff.view")
@blp.arguments(EmployeeListQuerySchema, location="query")
@blp.response(200, EmployeeSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def list_employees(query):
    """Сотрудники филиалов вызывающего; фильтры `branch`, `is_active`, `is_doctor`, `search`."""
    statement = queries.employees_statement(
        g.api_user, branch_id=_branch(query["branch"]), is_active=query["is_active"],
        is_doctor=query["is_doctor"], search=query["search"])
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    return rows, 200, total_header(total)


@blp.route("/employees", methods=["POST"])
@require_auth("staff.manage")
@blp.arguments(EmployeeCreateSchema, location="json")
@blp.response(201, EmployeeSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def create_employee(data):
    """Новый сотрудник своей организации (чужая — 403, несуществующая — 400)."""
    header_branch = _branch()
    branch_ids = data.pop("branches", None)
    if branch_ids is None:
        branch_ids = [header_branch] if header_branch is not None else []
    return services.create_employee(g.api_user, data, organization_id=data.pop(
        "organization", None), branch_ids=branch_ids)


@blp.route("/employees/<int:employee_id>", methods=["GET"])
@require_auth("staff.view")
@blp.response(200, EmployeeSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def get_employee(employee_id: int):
    """Карточка сотрудника (сотрудник чужого филиала — 403)."""
    return _employee(employee_id)


@blp.route("/employees/<int:employee_id>", methods=["PATCH"])
@require_auth("staff.manage")
@blp.arguments(EmployeeFieldsSchema, location="json", required=False)
@blp.response(200, EmployeeSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404)
def update_employee(data, employee_id: int):
    """Изменить переданные поля (без тела — ничего); `branches` заменяет список филиалов."""
    employee = _employee(employee_id)
    return services.update_employee(g.api_user, employee, data,
                                    organization_id=data.pop("organization", None),
                                    branch_ids=data.pop("branches", None))


@blp.route("/employees/<int:employee_id>/grant_access", methods=["POST"])
@require_auth("staff.manage")
@blp.arguments(GrantAccessSchema, location="json")
@blp.response(201, EmployeeAccessSchema, description="Учётная запись создана")
@blp.alt_response(200, schema=EmployeeAccessSchema, description="Прежняя учётная запись включена, "
                                                        "роль и пароль заданы заново")
@blp.errors(400, 401, 403, 404, 409)
def grant_access(data, employee_id: int):
    """Выдать доступ: логин — `username`, иначе e-mail; ответ называет логин и id пользователя."""
    employee = _employee(employee_id)
    user, created = services.grant_access(g.api_user, employee, data["password"], data["role"],
                                          username=data.get("username"), email=data.get("email"))
    return user, 201 if created else 200


@blp.route("/employees/<int:employee_id>/revoke_access", methods=["POST"])
@require_auth("staff.manage")
@blp.response(200, EmployeeAccessSchema)
@blp.branch_header()
@blp.errors(400, 401, 403, 404, 409)
def revoke_access(employee_id: int):
    """Отозвать доступ: вход отключается, все сеансы и токены перестают действовать."""
    return services.revoke_access(g.api_user, _employee(employee_id))


# --- document 001: /api/v1/doctors ---------------------------------------------------

@doctors.route("", methods=["GET"])
@doctors.arguments(DoctorListQuerySchema, location="query")
@doctors.response(200, DoctorSchema(many=True), headers=TOTAL_COUNT_DOC)
@doctors.errors(400)
def list_doctors(query):
    """Врачи: `limit`, `offset`, `search` (по имени), `clinic_id`; всего — в X-Total-Count."""
    statement = queries.doctors_statement(search=query["search"], clinic_id=query["clinic_id"])
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    return rows, 200, total_header(total)


@doctors.route("/<int:doctor_id>", methods=["GET"])
@doctors.response(200, DoctorDetailSchema)
@doctors.errors(404)
def get_doctor(doctor_id: int):
    """Врач: ФИО, специализация, описание, фото, рейтинг."""
    return queries.public_doctor(doctor_id)


def _favorite(doctor_id: int, present: bool) -> dict:
    set_favorite_doctor(g.api_user, doctor_id, present)
    return {"doctor_id": doctor_id, "is_favorite": present}


@doctors.route("/<int:doctor_id>/favorite", methods=["POST"])
@require_auth()
@doctors.response(200, DoctorFavoriteSchema)
@doctors.errors(401, 404)
def add_favorite(doctor_id: int):
    """Добавить врача в избранное (повторно — без изменений)."""
    return _favorite(doctor_id, True)


@doctors.route("/<int:doctor_id>/favorite", methods=["DELETE"])
@require_auth()
@doctors.response(200, DoctorFavoriteSchema)
@doctors.errors(401, 404)
def remove_favorite(doctor_id: int):
    """Убрать врача из избранного (повторно — без изменений)."""
    return _favorite(doctor_id, False)


BLUEPRINTS = (blp, doctors)
