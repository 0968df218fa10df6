"""Checks of Russian company requisites: INN, KPP, OGRN, BIK and bank accounts.

Pure functions: each returns the cleaned value or raises ValueError with a message
in the reader's language (Russian in the API); the services turn that into a
ValidationFailed naming the field. The check digits follow the FNS and Bank of
Russia rules.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
# Bank of Russia: weights for the 23 digits "BIK tail + account" (repeating 7, 1, 3).
ACCOUNT_WEIGHTS = (7, 1, 3) * 7 + (7, 1)
KPP_PATTERN = re.compile(r"^\d{4}[0-9A-Z]{2}\d{3}$")


def _digits(value: str, lengths: tuple[int, ...], wrong) -> str:
    """`value` without spaces and dashes, when it is `lengths` ASCII digits; else
    ValueError(wrong()), the field's own words («ИНН состоит из 10 или 12 цифр»)."""
    text = re.sub(r"[\s-]", "", value or "")
    if not text.isdigit() or len(text) not in lengths or not text.isascii():
        raise ValueError(wrong())
    return text


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def inn_is_valid(inn: str) -> bool:
    """True when `inn` (10 or 12 digits) has the right check digit(s)."""
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == 10:
        return _weighted(inn, INN10_WEIGHTS) % 11 % 10 == int(inn[9])
    if len(inn) == 12:
        return (_weighted(inn, INN11_WEIGHTS) % 11 % 10 == int(inn[10])
                and _weighted(inn, INN12_WEIGHTS) % 11 % 10 == int(inn[11]))
    return False


def clean_inn(value: str) -> str:
    """10 digits (a legal entity) or 12 (an individual entrepreneur), checksum verified."""
    inn = _digits(value, (10, 12), lambda: _("ИНН состоит из 10 или 12 цифр"))
    if not inn_is_valid(inn):
        raise ValueError(_("Неверный ИНН: не сходится контрольное число"))
    return inn


def clean_kpp(value: str) -> str:
    """9 characters: 4 digits, 2 digits or Latin capitals (the reason code), 3 digits."""
    kpp = re.sub(r"\s", "", value or "").upper()
    if not KPP_PATTERN.match(kpp) or not kpp.isascii():
        raise ValueError(_("КПП состоит из 9 цифр (5-й и 6-й знаки могут быть латинскими "
                           "буквами)"))
    return kpp


def ogrn_is_valid(ogrn: str) -> bool:
    """OGRN (13 digits, check mod 11) or OGRNIP (15 digits, check mod 13)."""
    if not ogrn.isdigit() or not ogrn.isascii():
        return False
    if len(ogrn) == 13:
        return int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    if len(ogrn) == 15:
        return int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    return False


def clean_ogrn(value: str) -> str:
    ogrn = _digits(value, (13, 15), lambda: _("ОГРН состоит из 13 или 15 цифр"))
    if not ogrn_is_valid(ogrn):
        raise ValueError(_("Неверный ОГРН: не сходится контрольная цифра"))
    return ogrn


def clean_bik(value: str) -> str:
    return _digits(value, (9,), lambda: _("БИК состоит из 9 цифр"))


def clean_settlement_account(value: str) -> str:
    return _digits(value, (20,), lambda: _("Расчётный счёт состоит из 20 цифр"))


def clean_correspondent_account(value: str) -> str:
    return _digits(value, (20,), lambda: _("Корреспондентский счёт состоит из 20 цифр"))


def account_matches_bik(account: str, bik: str, correspondent: bool = False) -> bool:
    """The Bank of Russia control key of a 20-digit account against the bank's BIK.

    A settlement account is keyed with the last 3 digits of the BIK, a
    correspondent account with "0" and the BIK's 5th and 6th digits.
    """
    prefix = "0" + bik[4:6] if correspondent else bik[-3:]
    return _weighted(prefix + account, ACCOUNT_WEIGHTS) % 10 == 0


# The field an inconsistency is reported on → the fields that take part in it.
CROSS_FIELDS = {
    "kpp": ("inn", "kpp"),
    "ogrn": ("inn", "ogrn"),
    "settlement_account": ("bik", "settlement_account"),
    "correspondent_account": ("bik", "correspondent_account"),
}


def cross_check(values: dict) -> dict[str, str]:
    """Errors between fields of one organization (field → message); empty when consistent."""
    errors: dict[str, str] = {}
    inn, kpp, ogrn = values.get("inn"), values.get("kpp"), values.get("ogrn")
    bik = values.get("bik")
    if inn and len(inn) == 12 and kpp:
        errors["kpp"] = _("У индивидуального предпринимателя (ИНН из 12 цифр) нет КПП")
    if inn and ogrn and (len(inn) == 10) != (len(ogrn) == 13):
        errors["ogrn"] = _("У юридического лица ОГРН из 13 цифр, у предпринимателя — ОГРНИП "
                           "из 15 цифр; ИНН и ОГРН не от одного лица")
    if bik:
        account = values.get("settlement_account")
        if account and not account_matches_bik(account, bik):
            errors["settlement_account"] = _("Расчётный счёт не сходится с БИК банка "
                                             "(ключ счёта)")
        corr = values.get("correspondent_account")
        if corr and not account_matches_bik(corr, bik, correspondent=True):
            errors["correspondent_account"] = _("Корреспондентский счёт не сходится с БИК "
                                                "банка")
    return errors
