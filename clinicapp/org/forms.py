"""Forms of the clinic settings: requisites and a branch.

Only lengths are checked here; the services check the meaning (INN checksum,
phones, time zone, opening hours) and name the bad fields in the reader's language.
"""
from __future__ import annotations

from collections import Counter

from babel.numbers import get_currency_name
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..core.forms import max_length
from . import clock
from .hours import DAYS
from .models import DEFAULT_CURRENCY
from .services import currency_codes

IMAGE_TYPES = "image/png,image/jpeg,image/webp"
# Russia's zones and the neighbours' where the network may open branches, west to east.
COMMON_ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
    "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
    "Asia/Magadan", "Asia/Kamchatka", "Asia/Almaty", "Asia/Tashkent", "Asia/Bishkek",
    "Asia/Dubai", "Europe/Minsk",
)


def timezone_choices(current: str | None = None) -> list[SelectChoice]:
    """The common zones first, then every place's, each by its human name («Москва, UTC+3»).

    Two zones of one name (an old and a new spelling of a city) get their IANA name
    added; `current`, a valid zone the list leaves out (Etc/GMT-3), is offered too.
    """
    labels = clock.zone_labels()
    common_group, other_group = _("Часто используемые"), _("Все часовые пояса")
    common = [SelectChoice(name, labels.get(name) or clock.zone_label(name),
                           optgroup=common_group) for name in COMMON_ZONES]
    rest = {name: label for name, label in labels.items() if name not in COMMON_ZONES}
    if current and current in clock.known_zones() and current not in labels:
        rest[current] = clock.zone_label(current)
    repeated = Counter(rest.values())
    others = sorted((label if repeated[label] == 1 else f"{label} ({name})", name)
                    for name, label in rest.items())
    return common + [SelectChoice(name, label, optgroup=other_group) for label, name in others]


# The region's currencies first; any ISO 4217 code is accepted (the service checks it).
COMMON_CURRENCIES = ("RUB", "KZT", "UZS", "BYN", "KGS", "AMD", "AZN", "GEL", "TJS", "USD",
                     "EUR")


def currency_choices(current: str | None = None) -> list[SelectChoice]:
    """«RUB — российский рубль» in the reader's language: the region's first, then all."""
    locale = get_locale()
    codes = [*COMMON_CURRENCIES, *sorted(currency_codes() - set(COMMON_CURRENCIES))]
    if current and current not in codes:
        codes.append(current)
    common_group, other_group = _("Часто используемые"), _("Все валюты")
    return [SelectChoice(code, f"{code} — {get_currency_name(code, locale=locale)}",
                         optgroup=common_group if code in COMMON_CURRENCIES else other_group)
            for code in codes]


def _timezone_field() -> SelectField:
    # The service validates the zone and names the field (a 400, not a silent fix).
    return SelectField(_l("Часовой пояс"), default=clock.DEFAULT_ZONE, validate_choice=False)


class _ZoneChoices:
    """Fills the `timezone` select once the form knows its value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices(self.timezone.data)


def _text(label, limit: int = 255, **kwargs) -> StringField:
    return StringField(label, validators=[max_length(limit)], **kwargs)


def _area(label, limit: int = 1000) -> TextAreaField:
    return TextAreaField(label, validators=[max_length(limit)])


class OrganizationForm(_ZoneChoices, FlaskForm):
    name = _text(_l("Полное наименование"))
    inn = _text(_l("ИНН"), 20)
    kpp = _text(_l("КПП"), 20)
    ogrn = _text(_l("ОГРН / ОГРНИП"), 20)
    legal_address = _area(_l("Юридический адрес"))
    postal_address = _area(_l("Почтовый адрес"))
    bank_name = _text(_l("Банк"))
    bik = _text(_l("БИК"), 20)
    settlement_account = _text(_l("Расчётный счёт"), 30)
    correspondent_account = _text(_l("Корреспондентский счёт"), 30)
    phone = _text(_l("Телефон"), 32)
    email = _text(_l("E-mail"))
    timezone = _timezone_field()
    currency = SelectField(_l("Валюта"), default=DEFAULT_CURRENCY, validate_choice=False)
    logo = FileField(_l("Логотип"))
    remove_logo = BooleanField(_l("Убрать логотип"))

    REQUISITES = ("name", "inn", "kpp", "ogrn", "legal_address", "postal_address", "bank_name",
                  "bik", "settlement_account", "correspondent_account", "phone", "email",
                  "timezone", "currency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = currency_choices(self.currency.data)


class ClinicForm(_ZoneChoices, FlaskForm):
    name = _text(_l("Название"))
    address = _area(_l("Адрес"))
    phone = _text(_l("Телефон"), 32)
    timezone = _timezone_field()
    latitude = _text(_l("Широта"), 20)
    longitude = _text(_l("Долгота"), 20)
    rating = _text(_l("Рейтинг"), 10)
    description = _area(_l("Описание"), 5000)
    is_active = BooleanField(_l("Филиал работает (виден в приложениях и для записи)"),
                             default=True)
    logo = FileField(_l("Логотип"))
    remove_logo = BooleanField(_l("Убрать логотип"))
    photos = MultipleFileField(_l("Добавить фотографии"))

    FIELDS = ("name", "address", "phone", "timezone", "latitude", "longitude", "rating",
              "description", "is_active")

    def hour_fields(self):
        """(day key, its field) Monday to Sunday."""
        return [(key, self[f"hours_{key}"]) for key, _label in DAYS]


for _key, _label in DAYS:
    setattr(ClinicForm, f"hours_{_key}", _text(_label, 100))
