"""Schemas shared by several API modules, and their base with Russian messages."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma

from ..core.pagination import LimitOffsetSchema

# marshmallow's English defaults → what the API's `details` say instead.
FIELD_MESSAGES = {
    "Missing data for required field.": "Обязательное поле",
    "Field may not be null.": "Поле не может быть пустым",
    "Invalid value.": "Неверное значение",
    "Not a valid string.": "Ожидается строка",
    "Not a valid utf-8 string.": "Ожидается строка в UTF-8",
    "Not a valid integer.": "Ожидается целое число",
    "Not a valid number.": "Ожидается число",
    "Number too large.": "Слишком большое число",
    "Special numeric values (nan or infinity) are not permitted.": "Ожидается конечное число",
    "Not a valid boolean.": "Ожидается true или false",
    "Not a valid list.": "Ожидается список",
    "Not a valid tuple.": "Ожидается список",
    "Not a valid mapping type.": "Ожидается объект",
    "Invalid type.": "Ожидается объект",
    "Not a valid UUID.": "Ожидается UUID",
    "Not a valid email address.": "Неверный e-mail",
    "Not a valid URL.": "Неверный URL",
    "Not a valid date.": "Ожидается дата ГГГГ-ММ-ДД",
    '"{input}" cannot be formatted as a date.': "Ожидается дата ГГГГ-ММ-ДД",
    "Not a valid {obj_type}.": "Ожидается дата и время в формате ISO 8601",
    "Not a valid {awareness} {obj_type}.": "Укажите дату и время с часовым поясом",
    '"{input}" cannot be formatted as a {obj_type}.': "Ожидается дата и время в формате ISO 8601",
}


def _range_message(validator: ma.validate.Range) -> str:
    low = "не меньше {min}" if validator.min_inclusive else "больше {min}"
    high = "не больше {max}" if validator.max_inclusive else "меньше {max}"
    if validator.min is None or validator.max is None:
        return (low if validator.max is None else high).capitalize()
    if validator.min_inclusive and validator.max_inclusive:
        return "Допустимо от {min} до {max}"
    return f"{low} и {high}".capitalize()


def _length_message(validator: ma.validate.Length, field: ma.fields.Field) -> str:
    unit = "элементов" if isinstance(field, ma.fields.List) else "символов"
    if validator.equal is not None:
        return f"Длина — ровно {{equal}} {unit}"
    if validator.min is not None and validator.max is not None:
        return f"Длина — от {{min}} до {{max}} {unit}"
    if validator.max is not None:
        return f"Не больше {{max}} {unit}"
    return f"Не меньше {{min}} {unit}"


VALIDATOR_MESSAGES = {  # checked in order: ContainsOnly is a OneOf
    ma.validate.ContainsOnly: "Допустимые значения: {choices}",
    ma.validate.OneOf: "Допустимые значения: {choices}",
    ma.validate.Regexp: "Неверный формат",
    ma.validate.Email: "Неверный e-mail",
    ma.validate.URL: "Неверный URL",
    ma.validate.Equal: "Ожидается {other}",
}


def _validator_message(validator, field: ma.fields.Field) -> str | None:
    """A Russian message for a validator that has marshmallow's default one, else None."""
    if isinstance(validator, ma.validate.Range):
        return _range_message(validator) if validator.error is None else None
    if isinstance(validator, ma.validate.Length):
        return _length_message(validator, field) if validator.error is None else None
    if getattr(validator, "error", None) != getattr(validator, "default_message", None):
        return None
    for kind, message in VALIDATOR_MESSAGES.items():
        if isinstance(validator, kind):
            return message
    return "Неверное значение"


def russify(field: ma.fields.Field) -> None:
    """Russian messages for the field (and the fields inside it) where it has the defaults.

    Messages a schema sets itself stay as they are.
    """
    field.error_messages = {key: FIELD_MESSAGES.get(message, message)
                            for key, message in field.error_messages.items()}
    for validator in field.validators:
        message = _validator_message(validator, field)
        if message is not None:
            validator.error = message
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                  getattr(field, "value_field", None)):
        if isinstance(inner, ma.fields.Field):
            russify(inner)


class ApiSchema(ma.Schema):
    """Base of the API's argument schemas: every validation message in Russian."""

    error_messages = {"unknown": "Неизвестное поле", "type": "Ожидается объект JSON"}

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        russify(field_obj)


class PagingSchema(ApiSchema, LimitOffsetSchema):
    """`limit`/`offset` of an API list (core.pagination's rules), messages in Russian."""


class BranchSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    timezone = ma.fields.String()
    is_active = ma.fields.Boolean()


class UserSchema(ma.Schema):
    """A user as documents 000, 001 and 002 describe one (their union)."""

    id = ma.fields.Integer()
    email = ma.fields.String()
    username = ma.fields.Method("get_username")
    full_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    role = ma.fields.String()
    is_active = ma.fields.Boolean()
    totp_enabled = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    branches = ma.fields.List(ma.fields.Nested(BranchSchema))

    def get_username(self, user) -> str:
        return user.login_name


class TokenPairSchema(ma.Schema):
    access = ma.fields.String(metadata={"description": "Токен доступа (документ 002)"})
    refresh = ma.fields.String(metadata={"description": "Refresh-токен (документ 002)"})
    access_token = ma.fields.String(metadata={"description": "Токен доступа (документы 000/001)"})
    refresh_token = ma.fields.String(metadata={"description": "Refresh-токен (документы 000/001)"})
    token_type = ma.fields.String(metadata={"example": "bearer"})
    expires_in = ma.fields.Integer(metadata={"description": "Срок жизни токена доступа, с"})


class LoginResponseSchema(TokenPairSchema):
    user = ma.fields.Nested(UserSchema)
    branches = ma.fields.List(ma.fields.Nested(BranchSchema))


class RegisterResponseSchema(LoginResponseSchema):
    """001 reads the user's fields at the top level, 000 reads `user`."""

    id = ma.fields.Integer()
    email = ma.fields.String()
    full_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)


class UtcDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 moment with its offset, turned to UTC here.

    PostgreSQL refuses offsets beyond ±15:59 that Python accepts (`-17:51`); in UTC the
    moment is stored whatever offset it came with. A moment that does not fit in UTC
    (year 1 with a positive offset) is a 400 naming the field, not a database error.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:
            raise ma.ValidationError("Дата вне допустимого диапазона") from error
