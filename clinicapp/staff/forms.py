"""The employee form and the system-access forms (Flask-WTF, CSRF on each).

Formats (phone, e-mail, colour) are checked by the services, which name the
field; the forms only check what the browser must send.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
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

from ..auth.forms import REQUIRED, TOO_SHORT
from ..auth.models import ROLE_LABELS, STAFF_ROLES
from ..auth.passwords import MIN_PASSWORD_LENGTH


def _length(limit: int) -> Length:
    return Length(max=limit, message=lazy_ngettext(
        "Не длиннее %(num)d символа", "Не длиннее %(num)d символов", limit))


def _in_words(field_class, message):
    """`field_class` whose parse error (WTForms' own words) is `message`."""

    class Field(field_class):
        def process_formdata(self, valuelist):
            try:
                super().process_formdata(valuelist)
            except ValueError as exc:
                raise ValueError(message) from exc

    Field.__name__ = f"Worded{field_class.__name__}"
    return Field


WordedDateField = _in_words(DateField, _l("Неверная дата, нужен формат ДД.ММ.ГГГГ"))
WordedDecimalField = _in_words(DecimalField, _l("Нужно число, например 4.8"))


class EmployeeForm(FlaskForm):
    last_name = StringField(_l("Фамилия"), validators=[DataRequired(REQUIRED), _length(100)])
    first_name = StringField(_l("Имя"), validators=[DataRequired(REQUIRED), _length(100)])
    middle_name = StringField(_l("Отчество"), validators=[Optional(), _length(100)])
    position = StringField(_l("Должность"), validators=[Optional(), _length(150)])
    specializations = StringField(_l("Специализации"), validators=[Optional(), _length(2000)])
    phone = StringField(_l("Телефон"), validators=[Optional(), _length(32)])
    email = StringField(_l("E-mail"), validators=[Optional(), _length(255)])
    hire_date = WordedDateField(_l("Дата приёма на работу"), validators=[Optional()],
                                format=["%Y-%m-%d", "%d.%m.%Y"], render_kw={"type": "date"})
    color = StringField(_l("Цвет в календаре"), default="#2196F3", validators=[_length(7)])
    photo = FileField(_l("Фото"))
    description = TextAreaField(_l("Описание"), validators=[Optional(), _length(5000)])
    branches = SelectMultipleField(_l("Филиалы"), coerce=int,
                                   invalid_choice_message=_l("Выберите филиалы из списка"))
    is_doctor = BooleanField(_l("Врач (можно записывать на приём)"))
    rating = WordedDecimalField(_l("Рейтинг врача"), places=1, validators=[
        Optional(), NumberRange(min=0, max=5, message=_l("Рейтинг — число от 0 до 5"))])
    is_active = BooleanField(_l("Работает"), default=True)


class GrantAccessForm(FlaskForm):
    role = SelectField(_l("Роль"), choices=[SelectChoice(role, ROLE_LABELS[role])
                                            for role in STAFF_ROLES],
                       default="doctor", invalid_choice_message=_l("Выберите роль из списка"))
    password = PasswordField(_l("Пароль"), description=TOO_SHORT, validators=[
        DataRequired(_l("Задайте пароль")),
        Length(min=MIN_PASSWORD_LENGTH, max=128, message=TOO_SHORT)])
    username = StringField(_l("Логин (необязательно)"), validators=[Optional(), _length(150)])
    email = StringField(_l("E-mail для входа (необязательно)"),
                        validators=[Optional(), _length(255)])


class RevokeAccessForm(FlaskForm):
    """Only the CSRF token: the confirmation is asked in the browser."""
