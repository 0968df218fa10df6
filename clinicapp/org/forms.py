"""Forms of the clinic settings: requisites and a branch.

Only lengths are checked here; the services check the meaning (INN checksum,
phones, time zone, opening hours) and name the bad fields in Russian.
"""
from __future__ import annotations

from collections import Counter

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from . import clock
from .hours import DAYS

IMAGE_TYPES = "image/png,image/jpeg,image/webp"
# Russia's zones and the neighbours' where the network may open branches, west to east.
COMMON_ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
    "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
    "Asia/Magadan", "Asia/Kamchatka", "Asia/Almaty", "Asia/Tashkent", "Asia/Bishkek",
    "Asia/Dubai", "Europe/Minsk",
)
COMMON_GROUP = "Часто используемые"
OTHER_GROUP = "Все часовые пояса"


def timezone_choices(current: str | None = None) -> list[SelectChoice]:
    """The common zones first, then every place's, each by its human name («Москва, UTC+3»).

    Two zones of one name (an old and a new spelling of a city) get their IANA name
    added; `current`, a valid zone the list leaves out (Etc/GMT-3), is offered too.
    """
    labels = clock.zone_labels()
    common = [SelectChoice(name, labels.get(name) or clock.zone_label(name),
                           optgroup=COMMON_GROUP) for name in COMMON_ZONES]
    rest = {name: label for name, label in labels.items() if name not in COMMON_ZONES}
    if current and current in clock.known_zones() and current not in labels:
        rest[current] = clock.zone_label(current)
    repeated = Counter(rest.values())
    others = sorted((label if repeated[label] == 1 else f"{label} ({name})", name)
                    for name, label in rest.items())
    return common + [SelectChoice(name, label, optgroup=OTHER_GROUP) for label, name in others]


def _timezone_field() -> SelectField:
    # The service validates the zone and names the field in Russian (a 400, not a silent fix).
    return SelectField("Часовой пояс", default=clock.DEFAULT_ZONE, validate_choice=False)


class _ZoneChoices:
    """Fills the `timezone` select once the form knows its value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices(self.timezone.data)


def _text(label: str, limit: int = 255, **kwargs) -> StringField:
    too_long = Length(max=limit, message=f"Не длиннее {limit} символов")
    return StringField(label, validators=[too_long], **kwargs)


def _area(label: str, limit: int = 1000) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=limit,
                                                   message=f"Не длиннее {limit} символов")])


class OrganizationForm(_ZoneChoices, FlaskForm):
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
    timezone = _timezone_field()
    logo = FileField("Логотип")
    remove_logo = BooleanField("Убрать логотип")

    REQUISITES = ("name", "inn", "kpp", "ogrn", "legal_address", "postal_address", "bank_name",
                  "bik", "settlement_account", "correspondent_account", "phone", "email",
                  "timezone")


class ClinicForm(_ZoneChoices, FlaskForm):
    name = _text("Название")
    address = _area("Адрес")
    phone = _text("Телефон", 32)
    timezone = _timezone_field()
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

    def hour_fields(self):
        """(day key, its field) Monday to Sunday."""
        return [(key, self[f"hours_{key}"]) for key, _label in DAYS]


for _key, _label in DAYS:
    setattr(ClinicForm, f"hours_{_key}", _text(_label, 100))
