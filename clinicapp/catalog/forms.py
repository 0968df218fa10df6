"""Forms of the price list pages (Flask-WTF: CSRF on every one).

Field checks beyond presence are the service's (fields.py), so the page, the API
and the xlsx import say the same thing about a bad price or duration.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.money import format_money
from . import fields

REQUIRED = _l("Обязательное поле")
TOO_LONG = _l("Не длиннее %(max)d символов")
NOT_IN_LIST = _l("Выберите из списка")
NO_CATEGORY = ""


def _required(limit: int) -> list:
    return [DataRequired(REQUIRED), Length(max=limit, message=TOO_LONG)]


def _chosen_ids(label):
    # Whether each id exists (and is a doctor) is the service's check, worded as in the API.
    return SelectMultipleField(label, coerce=int, validate_choice=False,
                               invalid_value_message=NOT_IN_LIST)


class ServiceForm(FlaskForm):
    code = StringField(_l("Код"), validators=_required(fields.CODE_MAX),
                       description=_l("Например, B01.047.001 — по номенклатуре медицинских "
                                      "услуг"))
    name = StringField(_l("Название"), validators=_required(fields.NAME_MAX))
    category = SelectField(_l("Категория"), choices=[], validate_choice=True)
    price = StringField(_l("Цена, ₽"), validators=_required(32))
    price_from = StringField(_l("Новая цена действует с"), validators=[Optional()])
    duration = StringField(_l("Длительность, мин"), validators=_required(20))
    description = TextAreaField(_l("Описание"), validators=[
        Optional(), Length(max=fields.DESCRIPTION_MAX, message=TOO_LONG)])
    clinics = _chosen_ids(_l("Филиалы, где оказывают"))
    doctors = _chosen_ids(_l("Врачи, которые оказывают"))
    is_active = BooleanField(_l("Активна (видна пациентам и в записи)"), default=True)

    def set_choices(self, categories, clinics, doctors) -> None:
        self.category.choices = [(NO_CATEGORY, _l("— без категории —"))] + [
            (str(key), label) for key, label in categories]
        self.clinics.choices = clinics
        self.doctors.choices = doctors

    def fill(self, service, price) -> None:
        """Show the stored service, with `price` (the price in force) as people write it."""
        self.code.data = service.code
        self.name.data = service.name
        self.description.data = service.description
        self.price.data = format_money(price)
        self.duration.data = str(service.duration_minutes)
        self.category.data = str(service.category_id) if service.category_id else NO_CATEGORY
        self.clinics.data = [c.id for c in service.clinics]
        self.doctors.data = [d.id for d in service.doctors]
        self.is_active.data = service.is_active

    def values(self, *, planned: bool = False) -> dict:
        """The form's data as the service functions take it (with `planned`, the day the
        price takes effect: the edit form has it, the new-service form does not)."""
        values = {"code": self.code.data, "name": self.name.data,
                  "description": self.description.data, "price": self.price.data,
                  "duration": self.duration.data,
                  "category": int(self.category.data) if self.category.data else None,
                  "clinics": list(self.clinics.data or []),
                  "doctors": list(self.doctors.data or []),
                  "is_active": bool(self.is_active.data)}
        if planned:
            values["price_from"] = self.price_from.data
        return values


class ImportForm(FlaskForm):
    file = FileField(_l("Файл прайс-листа (.xlsx)"),
                     validators=[FileRequired(_l("Выберите файл .xlsx"))])
