"""Forms of the price list pages (Flask-WTF: CSRF on every one).

Field checks beyond presence are the service's (fields.py), so the page, the API
and the xlsx import say the same thing about a bad price or duration.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from . import fields

REQUIRED = "Обязательное поле"
TOO_LONG = "Не длиннее %(max)d символов"
NO_CATEGORY = ""


def _required(limit: int) -> list:
    return [DataRequired(REQUIRED), Length(max=limit, message=TOO_LONG)]


class ServiceForm(FlaskForm):
    code = StringField("Код", validators=_required(fields.CODE_MAX),
                       description="Например, B01.047.001 — по номенклатуре медицинских услуг")
    name = StringField("Название", validators=_required(fields.NAME_MAX))
    category = SelectField("Категория", choices=[], validate_choice=True)
    price = StringField("Цена, ₽", validators=_required(32))
    duration = StringField("Длительность, мин", validators=_required(20))
    description = TextAreaField("Описание", validators=[
        Optional(), Length(max=fields.DESCRIPTION_MAX, message=TOO_LONG)])
    clinics = SelectMultipleField("Филиалы, где оказывают", coerce=int)
    doctors = SelectMultipleField("Врачи, которые оказывают", coerce=int)
    is_active = BooleanField("Активна (видна пациентам и в записи)", default=True)

    def set_choices(self, categories, clinics, doctors) -> None:
        self.category.choices = [(NO_CATEGORY, "— без категории —")] + [
            (str(key), label) for key, label in categories]
        self.clinics.choices = clinics
        self.doctors.choices = doctors

    def values(self) -> dict:
        """The form's data as the service functions take it."""
        return {"code": self.code.data, "name": self.name.data,
                "description": self.description.data, "price": self.price.data,
                "duration": self.duration.data,
                "category": int(self.category.data) if self.category.data else None,
                "clinics": list(self.clinics.data or []), "doctors": list(self.doctors.data or []),
                "is_active": bool(self.is_active.data)}


class ImportForm(FlaskForm):
    file = FileField("Файл прайс-листа (.xlsx)",
                     validators=[FileRequired("Выберите файл .xlsx")])
