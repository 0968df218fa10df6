"""Forms of the clinic settings: requisites and a branch.

Only lengths are checked here; the services check the meaning (INN checksum,
phones, time zone, opening hours) and name the bad fields in Russian.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from .hours import DAYS
from .services import time_zones

IMAGE_TYPES = "image/png,image/jpeg,image/webp"
COMMON_ZONES = (
    ("Europe/Kaliningrad", "Калининград"), ("Europe/Moscow", "Москва"),
    ("Europe/Samara", "Самара"), ("Asia/Yekaterinburg", "Екатеринбург"),
    ("Asia/Omsk", "Омск"), ("Asia/Novosibirsk", "Новосибирск"),
    ("Asia/Krasnoyarsk", "Красноярск"), ("Asia/Irkutsk", "Иркутск"),
    ("Asia/Yakutsk", "Якутск"), ("Asia/Vladivostok", "Владивосток"),
    ("Asia/Magadan", "Магадан"), ("Asia/Kamchatka", "Камчатка"),
    ("Asia/Almaty", "Алматы"), ("Asia/Tashkent", "Ташкент"), ("Asia/Bishkek", "Бишкек"),
    ("Asia/Dubai", "Дубай"), ("Europe/Minsk", "Минск"),
)
COMMON_GROUP = "Часто используемые"
OTHER_GROUP = "Все часовые пояса"


def _offset(zone: str) -> str:
    delta = datetime.now(ZoneInfo(zone)).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def timezone_choices() -> list[SelectChoice]:
    """Russia's and neighbours' zones first (with Russian names), then every IANA zone."""
    common = [SelectChoice(zone, f"{label} ({_offset(zone)}, {zone})", optgroup=COMMON_GROUP)
              for zone, label in COMMON_ZONES]
    named = {zone for zone, _label in COMMON_ZONES}
    others = [SelectChoice(zone, zone, optgroup=OTHER_GROUP)
              for zone in sorted(time_zones() - named)]
    return common + others


def _text(label: str, limit: int = 255, **kwargs) -> StringField:
    return StringField(label, validators=[Length(max=limit, message=f"Не длиннее {limit} символов")],
                       **kwargs)


def _area(label: str, limit: int = 1000) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=limit,
                                                   message=f"Не длиннее {limit} символов")])


class OrganizationForm(FlaskForm):
    name = _text("Полное наименование")
    inn = _text("ИНН", 20)
    kpp = _text("КПП", 20)
    ogrn = _text("ОГРН / ОГРНИП", 20)
    legal_address = _area("Юридический адрес")
    postal_address = _area("Почтовый адрес")
    bank_name = _text("Банк")
    bik = _text("БИК", 20)
    settlement_account = _text("Расчётный счёт", 30)
    correspondent_account = _text("Корреспондентский счёт", 30)
    phone = _text("Телефон", 32)
    email = _text("E-mail")
    logo = FileField("Логотип")
    remove_logo = BooleanField("Убрать логотип")

    REQUISITES = ("name", "inn", "kpp", "ogrn", "legal_address", "postal_address", "bank_name",
                  "bik", "settlement_account", "correspondent_account", "phone", "email")


class ClinicForm(FlaskForm):
    name = _text("Название")
    address = _area("Адрес")
    phone = _text("Телефон", 32)
    timezone = SelectField("Часовой пояс", default="Europe/Moscow", validate_choice=False)
    latitude = _text("Широта", 20)
    longitude = _text("Долгота", 20)
    rating = _text("Рейтинг", 10)
    description = _area("Описание", 5000)
    is_active = BooleanField("Филиал работает (виден в приложениях и для записи)", default=True)
    logo = FileField("Логотип")
    remove_logo = BooleanField("Убрать логотип")
    photos = MultipleFileField("Добавить фотографии")

    FIELDS = ("name", "address", "phone", "timezone", "latitude", "longitude", "rating",
              "description", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def hour_fields(self):
        """(day key, its field) Monday to Sunday."""
        return [(key, self[f"hours_{key}"]) for key, _label in DAYS]


for _key, _label in DAYS:
    setattr(ClinicForm, f"hours_{_key}", _text(_label, 100))
