"""The patient form and the cabinet invitation (Flask-WTF, CSRF on each).

Only the shape and the input formats are checked here; the rules (phones,
e-mail, dates, duplicates) are the service's, which names the field.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..core.models import utcnow
from .fields import MAX_LENGTHS

REQUIRED = "Обязательное поле"
DOCUMENT_TYPES = ("", "Паспорт РФ", "Удостоверение личности РК", "Паспорт Узбекистана",
                  "Загранпаспорт", "Свидетельство о рождении", "Вид на жительство", "Другой")


class _RussianParseError:
    """Date inputs that say in Russian what is wrong with what was typed."""

    def __init__(self, *args, message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.parse_message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(self.parse_message) from exc


class RuDateField(_RussianParseError, DateField):
    pass


class RuDateTimeField(_RussianParseError, DateTimeLocalField):
    pass


def _length(field: str) -> Length:
    return Length(max=MAX_LENGTHS[field], message=f"Не длиннее {MAX_LENGTHS[field]} символов")


class PatientForm(FlaskForm):
    last_name = StringField("Фамилия", validators=[DataRequired(REQUIRED), _length("last_name")])
    first_name = StringField("Имя", validators=[DataRequired(REQUIRED), _length("first_name")])
    middle_name = StringField("Отчество", validators=[Optional(), _length("middle_name")])
    birth_date = RuDateField("Дата рождения", validators=[Optional()],
                             format=["%Y-%m-%d", "%d.%m.%Y"],
                             message="Укажите дату в формате ДД.ММ.ГГГГ")
    sex = SelectField("Пол", choices=[SelectChoice("", "не указан"), SelectChoice("F", "Женский"),
                                      SelectChoice("M", "Мужской")], validators=[Optional()])
    phone = StringField("Телефон", validators=[Optional(), Length(max=32)])
    extra_phones = StringField("Дополнительные телефоны", validators=[Optional(), Length(max=200)])
    email = StringField("E-mail", validators=[Optional(), Length(max=255)])
    address = TextAreaField("Адрес", validators=[Optional(), _length("address")],
                            render_kw={"rows": 2})
    document_type = SelectField("Документ", validators=[Optional()],
                                choices=[SelectChoice(t, t or "не указан") for t in DOCUMENT_TYPES])
    document_number = StringField("Серия и номер документа",
                                  validators=[Optional(), _length("document_number")])
    notes = TextAreaField("Заметки", validators=[Optional(), _length("notes")])
    consent = BooleanField("Согласие на обработку персональных данных получено")
    consent_at = RuDateTimeField("Когда получено согласие", validators=[Optional()],
                                 format=["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"],
                                 message="Укажите дату и время в формате ДД.ММ.ГГГГ ЧЧ:ММ")
    external_1c_id = StringField("Код в 1С", validators=[Optional(), _length("external_1c_id")])
    external_bitrix_id = StringField("Код в Битрикс24",
                                     validators=[Optional(), _length("external_bitrix_id")])
    clinic_id = SelectField("Филиал регистрации", coerce=int)
    force = BooleanField("Всё равно создать")

    def service_data(self) -> dict:
        """The form's values in the shape services.create_patient reads."""
        data = {name: getattr(self, name).data for name in (
            "last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email",
            "address", "document_type", "document_number", "notes", "consent_at",
            "external_1c_id", "external_bitrix_id")}
        data["extra_phones"] = [p for p in (self.extra_phones.data or "").split(",") if p.strip()]
        data["clinic_id"] = self.clinic_id.data or None
        data["consent_at"] = (self.consent_at.data or utcnow()) if self.consent.data else None
        return data


class InviteForm(FlaskForm):
    email = StringField("E-mail для входа", validators=[Optional(), Length(max=255)])
