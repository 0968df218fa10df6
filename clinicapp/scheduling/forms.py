"""The calendar's dialogs: new appointment, change, cancel, drag-and-drop move (Flask-WTF).

Only shapes and formats are checked here; the rules (working hours, the
doctor's services, no double booking) are the services', which name the field.
Choices are filled by the view from the branch's doctors and services.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..core.routing import MAX_ID
from ..org.hours import DAYS
from ..patients.forms import REQUIRED, RuDateField
from .rules import KIND_LABELS, MAX_COMMENT, MAX_REASON, MAX_YEAR, MIN_YEAR

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATE_MESSAGE = _l("Укажите дату в формате ДД.ММ.ГГГГ")
MIN_MINUTES, MAX_MINUTES = 5, 12 * 60
CANCEL_REASONS = (_l("Пациент попросил отменить"), _l("Пациент не может прийти"),
                  _l("Врач заболел"), _l("Перенос по инициативе клиники"),
                  _l("Записан по ошибке"))


def _too_long(limit: int):
    # The same messages as rules.too_long, lazily: a form's class is built at import.
    return lazy_ngettext("Не длиннее %(num)d символа", "Не длиннее %(num)d символов", limit)


class RuTimeField(TimeField):
    """HH:MM, saying in Russian what is wrong with what was typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_("Укажите время в формате ЧЧ:ММ")) from exc


def _minutes_field(label, *validators) -> IntegerField:
    return IntegerField(label, validators=[*validators, NumberRange(
        min=MIN_MINUTES, max=MAX_MINUTES, message=_l(
            "От %(low)s до %(high)s минут", low=MIN_MINUTES, high=MAX_MINUTES))],
        render_kw={"min": MIN_MINUTES, "max": MAX_MINUTES, "step": 5})


def _in_years(form, field) -> None:
    """Dates the calendar works with (and Python's arithmetic never overflows on)."""
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(_("Год должен быть от %(first)s до %(last)s", first=MIN_YEAR,
                                last=MAX_YEAR))


def _name_field(label) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=100,
                                                             message=_too_long(100))])


def _comment_field() -> TextAreaField:
    return TextAreaField(_l("Комментарий"), validators=[Optional(), Length(
        max=MAX_COMMENT, message=_too_long(MAX_COMMENT))], render_kw={"rows": 2})


class _WhenForm(FlaskForm):
    """Who and when: the doctor, the local day and time, the length in minutes."""

    doctor = SelectField(_l("Врач"), coerce=int, validators=[InputRequired(REQUIRED)])
    day = RuDateField(_l("Дата"), format=DATE_FORMATS, message=DATE_MESSAGE,
                      validators=[InputRequired(REQUIRED), _in_years])
    time = RuTimeField(_l("Время"), validators=[InputRequired(REQUIRED)],
                       render_kw={"step": 300})
    override_hours = BooleanField(_l("Записать вне рабочего времени врача"))


class AppointmentForm(_WhenForm):
    """A new appointment: an existing patient (`patient`) or a new one typed in."""

    minutes = _minutes_field(_l("Длительность, мин"), Optional())
    service = SelectField(_l("Услуга"), coerce=int, default=0)
    patient = HiddenField(_l("Пациент"))
    patient_query = _name_field(_l("Пациент"))
    new_patient = BooleanField(_l("Новый пациент"))
    last_name = _name_field(_l("Фамилия"))
    first_name = _name_field(_l("Имя"))
    middle_name = _name_field(_l("Отчество"))
    phone = StringField(_l("Телефон"), validators=[Optional(), Length(
        max=32, message=_too_long(32))])
    birth_date = RuDateField(_l("Дата рождения"), format=DATE_FORMATS, message=DATE_MESSAGE,
                             validators=[Optional()])
    comment = _comment_field()
    is_primary = BooleanField(_l("Первичный приём"))
    confirm_overlap = HiddenField()
    force_new = HiddenField()  # "1": register the typed-in patient despite a namesake on file
    walk_in = HiddenField()  # "1": «Сейчас», the patient is at the desk (booking.py)

    def patient_id(self) -> int | None:
        """The picked patient's id, None when none (or not an id at all)."""
        raw = (self.patient.data or "").strip()
        if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
            return None
        return int(raw)

    def new_patient_data(self, clinic_id: int) -> dict:
        """The typed-in patient in the shape patients.services.create_patient reads."""
        return {"last_name": self.last_name.data, "first_name": self.first_name.data,
                "middle_name": self.middle_name.data, "phone": self.phone.data,
                "birth_date": self.birth_date.data, "clinic_id": clinic_id}


class EditForm(_WhenForm):
    """Change an appointment: time, doctor, length (a move) and service, comment, mark."""

    minutes = _minutes_field(_l("Длительность, мин"), InputRequired(REQUIRED))
    service = SelectField(_l("Услуга"), coerce=int, default=0)
    comment = _comment_field()
    is_primary = BooleanField(_l("Первичный приём"))


class MoveForm(_WhenForm):
    """Drag and drop: the new doctor, day and time; `minutes` when resized."""

    minutes = _minutes_field(_l("Длительность, мин"), Optional())


class CancelForm(FlaskForm):
    reason = StringField(_l("Причина отмены"), validators=[Optional(), Length(
        max=MAX_REASON, message=_too_long(MAX_REASON))])


def _day_field(label, *validators) -> RuDateField:
    return RuDateField(label, format=DATE_FORMATS, message=DATE_MESSAGE,
                       validators=[*validators, _in_years])


class WeekForm(FlaskForm):
    """A doctor's weekly hours in one branch: a text per weekday, "09:00–13:00, 14:00–18:00"."""

    def week(self) -> dict[str, str]:
        return {key: getattr(self, f"hours_{key}").data or "" for key, _label in DAYS}

    def day_fields(self) -> list:
        return [getattr(self, f"hours_{key}") for key, _label in DAYS]


for _key, _label in DAYS:
    setattr(WeekForm, f"hours_{_key}", StringField(_label, validators=[Optional(), Length(
        max=100, message=_too_long(100))], render_kw={
        "placeholder": _l("выходной"), "autocomplete": "off"}))


class ExceptionForm(FlaskForm):
    """A day off, vacation, sick leave or extra shift over a range of days."""

    kind = SelectField(_l("Что"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    first = _day_field(_l("С"), InputRequired(REQUIRED))
    last = _day_field(_l("По (включительно)"), Optional())
    clinic = SelectField(_l("Филиал"), coerce=int, default=0)
    starts_at = RuTimeField(_l("Часы: с"), validators=[Optional()], render_kw={"step": 300})
    ends_at = RuTimeField(_l("до"), validators=[Optional()], render_kw={"step": 300})
    note = StringField(_l("Примечание"), validators=[Optional(), Length(
        max=255, message=_too_long(255))])
