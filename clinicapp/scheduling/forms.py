"""The calendar's dialogs: new appointment, change, cancel, drag-and-drop move (Flask-WTF).

Only shapes and formats are checked here; the rules (working hours, the
doctor's services, no double booking) are the services', which name the field.
Choices are filled by the view from the branch's doctors and services.
"""
from __future__ import annotations

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
DATE_MESSAGE = "Укажите дату в формате ДД.ММ.ГГГГ"
MAX_MINUTES = 12 * 60
CANCEL_REASONS = ("Пациент попросил отменить", "Пациент не может прийти", "Врач заболел",
                  "Перенос по инициативе клиники", "Записан по ошибке")


class RuTimeField(TimeField):
    """HH:MM, saying in Russian what is wrong with what was typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Укажите время в формате ЧЧ:ММ") from exc


def _minutes_field(label: str, *validators) -> IntegerField:
    return IntegerField(label, validators=[*validators, NumberRange(
        min=5, max=MAX_MINUTES, message=f"От 5 до {MAX_MINUTES} минут")],
        render_kw={"min": 5, "max": MAX_MINUTES, "step": 5})


def _in_years(form, field) -> None:
    """Dates the calendar works with (and Python's arithmetic never overflows on)."""
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(f"Год должен быть от {MIN_YEAR} до {MAX_YEAR}")


class _WhenForm(FlaskForm):
    """Who and when: the doctor, the local day and time, the length in minutes."""

    doctor = SelectField("Врач", coerce=int, validators=[InputRequired(REQUIRED)])
    day = RuDateField("Дата", format=DATE_FORMATS, message=DATE_MESSAGE,
                      validators=[InputRequired(REQUIRED), _in_years])
    time = RuTimeField("Время", validators=[InputRequired(REQUIRED)], render_kw={"step": 300})
    override_hours = BooleanField("Записать вне рабочего времени врача")


class AppointmentForm(_WhenForm):
    """A new appointment: an existing patient (`patient`) or a new one typed in."""

    minutes = _minutes_field("Длительность, мин", Optional())
    service = SelectField("Услуга", coerce=int, default=0)
    patient = HiddenField("Пациент")
    patient_query = StringField("Пациент", validators=[Optional(), Length(max=100)])
    new_patient = BooleanField("Новый пациент")
    last_name = StringField("Фамилия", validators=[Optional(), Length(max=100)])
    first_name = StringField("Имя", validators=[Optional(), Length(max=100)])
    middle_name = StringField("Отчество", validators=[Optional(), Length(max=100)])
    phone = StringField("Телефон", validators=[Optional(), Length(max=32)])
    birth_date = RuDateField("Дата рождения", format=DATE_FORMATS, message=DATE_MESSAGE,
                             validators=[Optional()])
    comment = TextAreaField("Комментарий", validators=[Optional(), Length(
        max=MAX_COMMENT, message=f"Не длиннее {MAX_COMMENT} символов")], render_kw={"rows": 2})
    is_primary = BooleanField("Первичный приём")
    confirm_overlap = HiddenField()
    force_new = HiddenField()  # "1": register the typed-in patient despite a namesake on file

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

    minutes = _minutes_field("Длительность, мин", InputRequired(REQUIRED))
    service = SelectField("Услуга", coerce=int, default=0)
    comment = TextAreaField("Комментарий", validators=[Optional(), Length(
        max=MAX_COMMENT, message=f"Не длиннее {MAX_COMMENT} символов")], render_kw={"rows": 2})
    is_primary = BooleanField("Первичный приём")


class MoveForm(_WhenForm):
    """Drag and drop: the new doctor, day and time; `minutes` when resized."""

    minutes = _minutes_field("Длительность, мин", Optional())


class CancelForm(FlaskForm):
    reason = StringField("Причина отмены", validators=[Optional(), Length(
        max=MAX_REASON, message=f"Не длиннее {MAX_REASON} символов")])


def _day_field(label: str, *validators) -> RuDateField:
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
        max=100, message="Не длиннее 100 символов")], render_kw={
        "placeholder": "выходной", "autocomplete": "off"}))


class ExceptionForm(FlaskForm):
    """A day off, vacation, sick leave or extra shift over a range of days."""

    kind = SelectField("Что", choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    first = _day_field("С", InputRequired(REQUIRED))
    last = _day_field("По (включительно)", Optional())
    clinic = SelectField("Филиал", coerce=int, default=0)
    starts_at = RuTimeField("Часы: с", validators=[Optional()], render_kw={"step": 300})
    ends_at = RuTimeField("до", validators=[Optional()], render_kw={"step": 300})
    note = StringField("Примечание", validators=[Optional(), Length(
        max=255, message="Не длиннее 255 символов")])
