"""The patient form and the cabinet invitation (Flask-WTF, CSRF on each).

Only the shape and the input formats are checked here; the rules (phones,
e-mail, dates, duplicates, the language) are the service's, which names the field.
"""
from __future__ import annotations

from babel import Locale
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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

from ..core.forms import max_length
from ..core.models import utcnow
from ..i18n import supported
from ..org.clock import reader_locale
from .fields import MAX_LENGTHS

REQUIRED = _l("Обязательное поле")
# The document types offered: the form's value → (the name a record keeps, Russian as the
# API and 1C exchange it; that name in the reader's language).
DOCUMENT_TYPES = {
    "passport-ru": ("Паспорт РФ", _l("Паспорт РФ")),
    "id-card-kz": ("Удостоверение личности РК", _l("Удостоверение личности РК")),
    "passport-uz": ("Паспорт Узбекистана", _l("Паспорт Узбекистана")),
    "passport-international": ("Загранпаспорт", _l("Загранпаспорт")),
    "birth-certificate": ("Свидетельство о рождении", _l("Свидетельство о рождении")),
    "residence-permit": ("Вид на жительство", _l("Вид на жительство")),
    "other": ("Другой", _l("Другой")),
}
_DOCUMENT_KEYS = {stored: key for key, (stored, _label) in DOCUMENT_TYPES.items()}


def document_label(stored: str | None) -> str:
    """A record's document type in the reader's language (a name the API wrote freely, as is)."""
    key = _DOCUMENT_KEYS.get(stored)
    return str(DOCUMENT_TYPES[key][1]) if key else stored or ""


def language_name(code: str) -> str:
    """A language's name in the reader's language: «English», «Русский»; Russian, English."""
    try:
        name = Locale.parse(code).get_display_name(reader_locale()) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:]


class _OwnParseError:
    """Date inputs that say, in the reader's language, what is wrong with what was typed."""

    def __init__(self, *args, message, **kwargs):
        super().__init__(*args, **kwargs)
        self.parse_message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(self.parse_message)) from exc


class RuDateField(_OwnParseError, DateField):
    pass


class RuDateTimeField(_OwnParseError, DateTimeLocalField):
    pass


def _length(field: str) -> Length:
    return max_length(MAX_LENGTHS[field])


class PatientForm(FlaskForm):
    last_name = StringField(_l("Фамилия"),
                            validators=[DataRequired(REQUIRED), _length("last_name")])
    first_name = StringField(_l("Имя"), validators=[DataRequired(REQUIRED), _length("first_name")])
    middle_name = StringField(_l("Отчество"), validators=[Optional(), _length("middle_name")])
    birth_date = RuDateField(_l("Дата рождения"), validators=[Optional()],
                             format=["%Y-%m-%d", "%d.%m.%Y"],
                             message=_l("Укажите дату в формате ДД.ММ.ГГГГ"))
    sex = SelectField(_l("Пол"), choices=[SelectChoice("", _l("не указан")),
                                          SelectChoice("F", _l("Женский")),
                                          SelectChoice("M", _l("Мужской"))],
                      validators=[Optional()])
    phone = StringField(_l("Телефон"), validators=[Optional(), Length(max=32)])
    extra_phones = StringField(_l("Дополнительные телефоны"),
                               validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=255)])
    language = SelectField(_l("Язык уведомлений"), validators=[Optional()])
    address = TextAreaField(_l("Адрес"), validators=[Optional(), _length("address")],
                            render_kw={"rows": 2})
    document_type = SelectField(_l("Документ"), validators=[Optional()])
    document_number = StringField(_l("Серия и номер документа"),
                                  validators=[Optional(), _length("document_number")])
    notes = TextAreaField(_l("Заметки"), validators=[Optional(), _length("notes")])
    consent = BooleanField(_l("Согласие на обработку персональных данных получено"))
    consent_at = RuDateTimeField(_l("Когда получено согласие"), validators=[Optional()],
                                 format=["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"],
                                 message=_l("Укажите дату и время в формате ДД.ММ.ГГГГ ЧЧ:ММ"))
    external_1c_id = StringField(_l("Код в 1С"),
                                 validators=[Optional(), _length("external_1c_id")])
    external_bitrix_id = StringField(_l("Код в Битрикс24"),
                                     validators=[Optional(), _length("external_bitrix_id")])
    clinic_id = SelectField(_l("Филиал регистрации"), coerce=int)
    force = BooleanField(_l("Всё равно создать"))

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        # Empty: the clinic's default language.
        default = language_name(current_app.config["BABEL_DEFAULT_LOCALE"])
        self.language.choices = [
            SelectChoice("", _("Как в клинике (%(language)s)", language=default)),
            *(SelectChoice(code, language_name(code)) for code in supported())]
        self._document_choices(obj.document_type if obj is not None else None)

    def _document_choices(self, stored: str | None) -> None:
        """The offered types by key; a name the API wrote freely stays on offer as it is."""
        choices = [SelectChoice("", _("не указан"))] + [
            SelectChoice(key, label) for key, (_stored, label) in DOCUMENT_TYPES.items()]
        if stored and stored not in _DOCUMENT_KEYS:
            choices.append(SelectChoice(stored, stored))
        self.document_type.choices = choices
        if not self.is_submitted() and stored:
            self.document_type.data = _DOCUMENT_KEYS.get(stored, stored)

    def service_data(self) -> dict:
        """The form's values in the shape services.create_patient reads."""
        data = {name: getattr(self, name).data for name in (
            "last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email",
            "address", "document_type", "document_number", "notes", "consent_at",
            "external_1c_id", "external_bitrix_id", "language")}
        key = self.document_type.data
        data["document_type"] = DOCUMENT_TYPES[key][0] if key in DOCUMENT_TYPES else key
        data["extra_phones"] = [p for p in (self.extra_phones.data or "").split(",") if p.strip()]
        data["clinic_id"] = self.clinic_id.data or None
        data["consent_at"] = (self.consent_at.data or utcnow()) if self.consent.data else None
        return data


class InviteForm(FlaskForm):
    email = StringField(_l("E-mail для входа"), validators=[Optional(), Length(max=255)])
