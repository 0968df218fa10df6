"""Prices typed and shown as people write them: «1 500,00» in Russian, «1,500.00» in
English; a dot, a comma and spaces all accepted; Decimal all the way to NUMERIC."""
from __future__ import annotations

from decimal import Decimal

import pytest

from clinicapp.catalog.models import Service, ServicePrice
from clinicapp.core.money import AmbiguousAmount, AmountError, format_money, parse_amount
from clinicapp.extensions import db
from tests.conftest import csrf_token

NBSP = "\u00a0"
NEW = "/catalog/services/new"


@pytest.mark.parametrize("language, amount, text", [
    ("ru", Decimal("1500"), f"1{NBSP}500,00"),
    ("ru", Decimal("1234567.5"), f"1{NBSP}234{NBSP}567,50"),
    ("ru", Decimal("0.5"), "0,50"),
    ("en", Decimal("1500"), "1,500.00"),
    ("en", Decimal("1234567.5"), "1,234,567.50"),
    ("en", 999, "999.00"),
])
def test_format_money_follows_the_readers_language(app, language, amount, text):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert format_money(amount) == text
    with app.test_request_context():
        assert format_money(None) == ""


@pytest.mark.parametrize("text, amount", [
    ("1500", "1500"), ("1 500", "1500"), ("1 500,5", "1500.5"), ("1500.50", "1500.50"),
    ("1500,50", "1500.50"), (f"1{NBSP}500,00", "1500.00"), ("1\u202f500,00", "1500.00"),
    ("1,500.00", "1500.00"), ("1.500,00", "1500.00"), ("1 234 567,89", "1234567.89"),
    ("1,234,567.89", "1234567.89"), ("1.500.000", "1500000"), (",5", "0.5"),
    ("0,500", "0.500"), (" 42 ", "42"), ("-10", "-10"), ("\u221210", "-10"),
])
def test_parse_amount_reads_what_people_type(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1e3", "NaN", "Infinity", "1500,", "1,5.00",
                                  "12,34,567", "1.500.00,0", "--5", "5-", "1 5OO"])
def test_parse_amount_refuses_what_is_no_amount(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_three_digits_after_a_lone_separator_are_ambiguous():
    with pytest.raises(AmbiguousAmount) as refused:
        parse_amount("1,500")
    assert (refused.value.whole, refused.value.fraction) == ("1500", "1,50")
    with pytest.raises(AmbiguousAmount):
        parse_amount("12.345")


def new_service(client, price: str):
    token = csrf_token(client.get(NEW).get_data(as_text=True))
    return client.post(NEW, data={"csrf_token": token, "code": "M-1", "name": "Массаж",
                                  "category": "", "price": price, "duration": "30",
                                  "description": "", "is_active": "y"})


@pytest.mark.parametrize("typed, stored", [
    ("1500", "1500.00"), ("1 500,5", "1500.50"), ("1500.50", "1500.50"),
    (f"1{NBSP}500,00", "1500.00"), ("1,500.00", "1500.00"), ("0", "0.00"),
])
def test_the_form_takes_a_dot_a_comma_and_spaces(client, catalog, web_as, typed, stored):
    web_as("manager")
    assert new_service(client, typed).status_code == 302
    service = db.session.scalar(db.select(Service).where(Service.code == "M-1"))
    assert service.price == Decimal(stored) and isinstance(service.price, Decimal)
    entry = db.session.scalar(db.select(ServicePrice).where(
        ServicePrice.service_id == service.id))
    assert entry.price == Decimal(stored) and isinstance(entry.price, Decimal)


@pytest.mark.parametrize("typed, message", [
    ("полторы тысячи", "Цена не число"),
    ("1,500", "Цена «1,500» неоднозначна: напишите 1500 или 1,50"),
    ("1500,505", "Цена «1500,505» неоднозначна: напишите 1500505 или 1500,51"),
    ("12,345.678", "У цены больше двух знаков после запятой"),
    ("-1", "Цена меньше нуля"),
    ("100 000 000 000", "Цена слишком большая"),
    ("1e5", "Цена не число"),
])
def test_bad_prices_are_named_under_the_field(client, catalog, web_as, typed, message):
    web_as("manager")
    response = new_service(client, typed)
    assert response.status_code == 400
    field = response.get_data(as_text=True).split('for="price"')[1].split('class="form-row"')[0]
    assert f'<div class="field-error">{message}</div>' in field
    assert db.session.scalar(db.select(Service).where(Service.code == "M-1")) is None


def test_prices_read_in_english_the_english_way(client, catalog, web_as, in_english):
    in_english(web_as("manager"))
    tree = client.get("/catalog/").get_data(as_text=True)
    assert "4,500.50" in tree and "6,500.00" in tree and f"4{NBSP}500,50" not in tree
    url = f"/catalog/services/{catalog.canal.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="4,500.50"' in page
    # The form sent back as shown is the same price: no new history row.
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "code": catalog.canal.code, "name": catalog.canal.name,
        "category": str(catalog.canal.category_id), "price": "4,500.50", "duration": "45",
        "description": "", "is_active": "y",
        "clinics": [str(c.id) for c in catalog.canal.clinics],
        "doctors": [str(d.id) for d in catalog.canal.doctors]})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ServicePrice).where(
        ServicePrice.service_id == catalog.canal.id)) == 1


def test_the_russian_form_shows_the_price_as_russians_write_it(client, catalog, web_as):
    web_as("manager")
    page = client.get(f"/catalog/services/{catalog.canal.id}").get_data(as_text=True)
    assert f'value="4{NBSP}500,50"' in page and f"Например, 1{NBSP}500,00" in page


def test_an_ambiguous_amount_is_read_back_in_the_readers_decimals(app):
    """«1,500» at an English desk offers «1.50», not the Russian «1,50»; spaces grouping
    the thousands («1 500,555») leave no doubt which separator is the point."""
    from flask_babel import force_locale

    from clinicapp.core.money import AmbiguousAmount, parse_amount

    with app.test_request_context():
        with force_locale("en"):
            with pytest.raises(AmbiguousAmount) as english:
                parse_amount("1,500")
        with force_locale("ru"):
            with pytest.raises(AmbiguousAmount) as russian:
                parse_amount("1.505")
        assert (english.value.whole, english.value.fraction) == ("1500", "1.50")
        assert (russian.value.whole, russian.value.fraction) == ("1505", "1,51")
        assert parse_amount("1 500,555") == Decimal("1500.555")  # three decimals: the caller's rule


def test_a_constant_amount_on_a_page_follows_each_readers_language(client, catalog, web_as):
    """`{{ 1500|money }}` is formatted on every render: Jinja must not fold it into the
    compiled template in the language of whoever opened the page first."""
    web_as("manager")
    url = f"/catalog/services/{catalog.canal.id}"
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    russian = client.get(url, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    english_again = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1,500.00" in english and "1,500.00" in english_again
    assert f"Например, 1{NBSP}500,00" in russian
