"""INN, KPP, OGRN, BIK, accounts and opening hours: the pure checks behind the forms and the API."""
from __future__ import annotations

import pytest

from clinicapp.org import requisites
from clinicapp.org.hours import normalize_hours, parse_intervals, week_rows
from clinicapp.seed import CLINICS, ORGANIZATION


@pytest.mark.parametrize("inn", [
    "7707083893",      # ПАО Сбербанк
    "7736207543",      # ООО «Яндекс»
    "500100732259",    # an individual entrepreneur
    "773400211252",
])
def test_valid_inn(inn):
    assert requisites.inn_is_valid(inn)
    assert requisites.clean_inn(f" {inn} ") == inn


@pytest.mark.parametrize("inn, message", [
    ("7707083894", "контрольное число"),      # last digit off by one
    ("500100732258", "контрольное число"),    # 12th digit wrong
    ("500100732249", "контрольное число"),    # 11th digit wrong
    ("770708389", "10 или 12 цифр"),
    ("77070838931", "10 или 12 цифр"),
    ("77070838９3", "10 или 12 цифр"),         # a full-width digit is not a digit here
    ("7707O83893", "10 или 12 цифр"),
    ("", "10 или 12 цифр"),
])
def test_invalid_inn(inn, message):
    with pytest.raises(ValueError, match=message):
        requisites.clean_inn(inn)


@pytest.mark.parametrize("kpp, cleaned", [
    ("773601001", "773601001"), ("7736AB001", "7736AB001"), ("7736ab001", "7736AB001"),
    (" 773601001 ", "773601001"),
])
def test_valid_kpp(kpp, cleaned):
    assert requisites.clean_kpp(kpp) == cleaned


@pytest.mark.parametrize("kpp", ["77360100", "7736010011", "77360100A", "A73601001", "7736ЖЖ001"])
def test_invalid_kpp(kpp):
    with pytest.raises(ValueError, match="КПП состоит из 9"):
        requisites.clean_kpp(kpp)


@pytest.mark.parametrize("ogrn", ["1027700132195", "1027700229193", "304500116000157"])
def test_valid_ogrn(ogrn):
    assert requisites.clean_ogrn(ogrn) == ogrn


@pytest.mark.parametrize("ogrn, message", [
    ("1027700132196", "контрольная цифра"), ("304500116000158", "контрольная цифра"),
    ("10277001321", "13 или 15 цифр"), ("10277001321955", "13 или 15 цифр"),
])
def test_invalid_ogrn(ogrn, message):
    with pytest.raises(ValueError, match=message):
        requisites.clean_ogrn(ogrn)


def test_bik_and_accounts():
    assert requisites.clean_bik("044525225") == "044525225"
    with pytest.raises(ValueError, match="БИК состоит из 9 цифр"):
        requisites.clean_bik("04452522")
    with pytest.raises(ValueError, match="Расчётный счёт состоит из 20 цифр"):
        requisites.clean_settlement_account("4070281053800005432")
    # Sberbank's real correspondent account, and a settlement account with a right key.
    assert requisites.account_matches_bik("30101810400000000225", "044525225", correspondent=True)
    assert requisites.account_matches_bik("40702810538000054321", "044525225")
    assert not requisites.account_matches_bik("40702810638000054321", "044525225")


def test_cross_checks_between_fields():
    assert requisites.cross_check(ORGANIZATION) == {}
    problems = requisites.cross_check({"inn": "500100732259", "kpp": "773601001",
                                       "ogrn": "1027700132195", "bik": "044525225",
                                       "settlement_account": "40702810638000054321",
                                       "correspondent_account": "30101810400000000226"})
    assert set(problems) == {"kpp", "ogrn", "settlement_account", "correspondent_account"}


def test_seed_requisites_are_valid():
    for field, clean in (("inn", requisites.clean_inn), ("kpp", requisites.clean_kpp),
                         ("ogrn", requisites.clean_ogrn), ("bik", requisites.clean_bik)):
        assert clean(ORGANIZATION[field]) == ORGANIZATION[field]
    for key in ("postal_address", "bank_name", "settlement_account", "correspondent_account"):
        assert ORGANIZATION[key]


def test_seed_clinics_are_complete():
    for clinic in CLINICS:
        hours, errors = normalize_hours(clinic["opening_hours"])
        assert not errors and hours == clinic["opening_hours"]
        assert 0 <= clinic["rating"] <= 5 and clinic["description"]
        assert -90 <= clinic["latitude"] <= 90 and -180 <= clinic["longitude"] <= 180
    assert [str(c["rating"]) for c in CLINICS] == ["4.7", "4.5", "4.8"]


@pytest.mark.parametrize("text, intervals", [
    ("09:00-21:00", [["09:00", "21:00"]]),
    ("9:00 – 21:00", [["09:00", "21:00"]]),
    ("15:00—20:00, 09:00–14:00", [["09:00", "14:00"], ["15:00", "20:00"]]),
    ("00:00-24:00", [["00:00", "24:00"]]),
    ("", []),
    ([["10:00", "18:30"]], [["10:00", "18:30"]]),
])
def test_parse_intervals(text, intervals):
    assert parse_intervals(text) == intervals


@pytest.mark.parametrize("text, message", [
    ("21:00-09:00", "конец должен быть позже начала"),
    ("09:00-09:00", "конец должен быть позже начала"),
    ("09:00-14:00, 13:00-20:00", "пересекаются"),
    ("25:00-26:00", "нет такого времени"),
    ("09:60-10:00", "нет такого времени"),
    ("24:00-24:00", "нет такого времени"),
    ("девять-десять", "не время"),
    ("09:00", "укажите интервал"),
    ([["09:00"]], "пара"),
])
def test_bad_intervals(text, message):
    with pytest.raises(ValueError, match=message):
        parse_intervals(text)


def test_normalize_week():
    hours, errors = normalize_hours({"sun": "", "mon": "09:00-18:00", "xyz": "09:00-10:00",
                                     "tue": "18:00-09:00"})
    assert hours == {"mon": [["09:00", "18:00"]]}
    assert set(errors) == {"xyz", "tue"}
    assert week_rows(hours)[0] == ("Понедельник", "09:00–18:00")
    assert week_rows(hours)[6] == ("Воскресенье", "выходной")
