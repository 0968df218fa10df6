"""The employee form and the system-access forms (Flask-WTF, CSRF on each).

Formats (phone, e-mail, colour) are checked by the services, which name the
field; the forms only check what the browser must send.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..auth.models import ROLE_LABELS, STAFF_ROLES
from ..auth.passwords import MIN_PASSWORD_LENGTH

REQUIRED = "Обязательное поле"


def _length(limit: int) -> Length:
    return Length(max=limit, message=f"Не длиннее {limit} символов")


def _in_russian(field_class, message: str):
    """`field_class` whose parse error (English in WTForms) is `message`."""

    class Field(field_class):
        def process_formdata(self, valuelist):
            try:
                super().process_formdata(valuelist)
            except ValueError as exc:
                raise ValueError(message) from exc

    Field.__name__ = f"Russian{field_class.__name__}"
    return Field


RussianDateField = _in_russian(DateField, "Неверная дата, нужен формат ДД.ММ.ГГГГ")
RussianDecimalField = _in_russian(DecimalField, "Нужно число, например 4.8")


class EmployeeForm(FlaskForm):
    last_name = StringField("Фамилия", validators=[DataRequired(REQUIRED), _length(100)])
    first_name = StringField("Имя", validators=[DataRequired(REQUIRED), _length(100)])
    middle_name = StringField("Отчество", validators=[Optional(), _length(100)])
    position = StringField("Должность", validators=[Optional(), _length(150)])
    specializations = StringField("Специализации", validators=[Optional(), _length(2000)])
    phone = StringField("Телефон", validators=[Optional(), _length(32)])
    email = StringField("E-mail", validators=[Optional(), _length(255)])
    hire_date = RussianDateField("Дата приёма на работу", validators=[Optional()],
                                 format=["%Y-%m-%d", "%d.%m.%Y"], render_kw={"type": "date"})
    color = StringField("Цвет в календаре", default="#2196F3", validators=[_length(7)])
    photo = FileField("Фото")
    description = TextAreaField("Описание", validators=[Optional(), _length(5000)])
    branches = SelectMultipleField("Филиалы", coerce=int,
                                   invalid_choice_message="Выберите филиалы из списка")
    is_doctor = BooleanField("Врач (можно записывать на приём)")
    rating = RussianDecimalField("Рейтинг врача", places=1, validators=[
        Optional(), NumberRange(min=0, max=5, message="Рейтинг — число от 0 до 5")])
    is_active = BooleanField("Работает", default=True)


class GrantAccessForm(FlaskForm):
    role = SelectField("Роль", choices=[SelectChoice(role, ROLE_LABELS[role])
                                        for role in STAFF_ROLES],
                       default="doctor", invalid_choice_message="Выберите роль из списка")
    password = PasswordField("Пароль", validators=[
        DataRequired("Задайте пароль"),
        Length(min=MIN_PASSWORD_LENGTH, max=128,
               message=f"Не короче {MIN_PASSWORD_LENGTH} символов")])
    username = StringField("Логин (необязательно)", validators=[Optional(), _length(150)])
    email = StringField("E-mail для входа (необязательно)", validators=[Optional(), _length(255)])


class RevokeAccessForm(FlaskForm):
    """Only the CSRF token: the confirmation is asked in the browser."""
