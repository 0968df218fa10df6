"""The price list's search as you type, folding categories, and a page that stays fast with
1 000 services (a bounded number of queries whatever their number)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from clinicapp.catalog import services
from clinicapp.extensions import db

INDEX = "/catalog/"
HTMX = {"HX-Request": "true"}


def search(client, text: str, htmx: bool = True) -> str:
    response = client.get(INDEX, query_string={"q": text}, headers=HTMX if htmx else {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_services(html: str) -> list[str]:
    return re.findall(r'<td class="col-name"><a href="[^"]+">([^<]+)</a>', html)


def test_the_page_has_a_search_box_that_asks_as_you_type(client, catalog, web_as):
    web_as("doctor")
    page = client.get(INDEX).get_data(as_text=True)
    box = re.search(r'<input id="catalog-q"[^>]*>', page, re.S).group(0)
    assert 'name="q"' in box and 'hx-get="/catalog/"' in box
    assert 'hx-trigger="input changed delay:250ms, search"' in box
    assert 'hx-target="#catalog-tree"' in box and 'hx-push-url="true"' in box


@pytest.mark.parametrize("text, expected", [
    ("кариес", ["Лечение кариеса"]),
    ("КАРИЕС", ["Лечение кариеса"]),
    ("лечение кар", ["Лечение кариеса"]),  # every word, in any order
    ("кар леч", ["Лечение кариеса"]),
    ("a16.07.008", ["Пломбирование канала"]),  # the code, in any letter case
    ("A05.10.006", ["ЭКГ с расшифровкой"]),
    ("зуб", ["Удаление зуба"]),  # inactive services are found too: staff manage them
    ("бассейн", ["Справка для бассейна"]),  # no category
    ("100%", []),  # literal: % is no wildcard
])
def test_services_are_found_by_name_or_code(client, catalog, web_as, text, expected):
    web_as("doctor")
    assert shown_services(search(client, text)) == expected


def test_yo_and_ye_are_one_letter(client, catalog, web_as):
    services.create_service(None, code="Ё-1", name="Приём с ёлочкой", price=Decimal("700"),
                            duration=10)
    services.create_service(None, code="Е-2", name="Стоматология детей", price=Decimal("800"),
                            duration=10, description="Ещё")
    db.session.commit()
    web_as("doctor")
    for text in ("приём", "прием", "ПРИЕМ", "елочк", "ЁЛОЧК", "ё-1", "е-1"):
        assert shown_services(search(client, text)) == ["Приём с ёлочкой"], text
    assert shown_services(search(client, "дётей")) == ["Стоматология детей"]


def test_a_category_found_by_its_name_shows_all_its_services(client, catalog, web_as):
    web_as("doctor")
    html = search(client, "терапия")
    # Терапия and Эндодонтия under it, with their services; Хирургия and Кардиология are not.
    assert shown_services(html) == ["Лечение кариеса", "Пломбирование канала"]
    assert "Эндодонтия" in html and "Хирургия" not in html and "Кардиология" not in html
    assert shown_services(search(client, "стоматология хирургия")) == ["Удаление зуба"]


def test_matches_open_their_categories_and_the_rest_are_left_out(client, catalog, web_as):
    web_as("manager")
    html = search(client, "канал")
    assert html.strip().startswith('<div id="catalog-tree"') and "<html" not in html
    assert "data-search" in html and "data-sortable" not in html  # no dragging in results
    assert "cat-handle" not in html
    names = re.findall(r'<span class="cat-name">([^<]+)</span>', html)
    assert names == ["Стоматология", "Терапия", "Эндодонтия"]  # the path to the match
    assert html.count('<details class="cat-box" open') == 3
    assert "Найдена 1 услуга" in html
    assert 'href="/catalog/">Показать весь прайс-лист' in html
    assert "Без категории" not in html


def test_nothing_found_says_so(client, catalog, web_as):
    web_as("doctor")
    html = search(client, "томография")
    assert "Ничего не найдено по запросу «томография»" in html
    assert shown_services(html) == [] and 'class="cat-name"' not in html


def test_counts_are_spelled_right(client, catalog, web_as):
    for n in range(4):
        services.create_service(None, code=f"K-{n}", name=f"Консультация {n}",
                                price=Decimal("100"), duration=10)
    db.session.commit()
    web_as("doctor")
    assert "Найдено 4 услуги" in search(client, "консультация")
    services.create_service(None, code="K-9", name="Консультация 9", price=1, duration=10)
    db.session.commit()
    assert "Найдено 5 услуг" in search(client, "консультация")


def test_a_search_link_opens_the_whole_page_with_the_results(client, catalog, web_as):
    web_as("doctor")
    page = search(client, "экг", htmx=False)
    assert "<html" in page and 'value="экг"' in page
    assert shown_services(page) == ["ЭКГ с расшифровкой"]


def test_the_search_box_is_escaped(client, catalog, web_as):
    web_as("doctor")
    page = search(client, '"><script>alert(1)</script>', htmx=False)
    assert "<script>alert(1)</script>" not in page
    assert "&#34;&gt;&lt;script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


def test_a_category_edit_during_a_search_keeps_the_results(client, catalog, web_as):
    web_as("manager")
    html = search(client, "канал")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert '<input type="hidden" name="q" value="канал">' in html
    response = client.post(f"/catalog/categories/{catalog.endo.id}", headers=HTMX, data={
        "csrf_token": token, "name": "Эндодонтия (каналы)", "parent": str(catalog.therapy.id),
        "is_active": "y", "q": "канал"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Категория «Эндодонтия (каналы)» сохранена" in html
    assert "data-search" in html and shown_services(html) == ["Пломбирование канала"]


def _thousand_services(catalog) -> None:
    """1 000 services over 20 categories (some nested), as a big clinic's price list."""
    parents = [services.create_category(None, name=f"Отделение {n}") for n in range(10)]
    children = [services.create_category(None, name=f"Раздел {n}", parent=parents[n].id)
                for n in range(10)]
    categories = parents + children
    services.create_services(None, [
        {"code": f"BIG-{n:04d}", "name": f"Услуга номер {n:04d}", "price": Decimal(n + 100),
         "duration": 30, "category": categories[n % len(categories)].id,
         "clinics": [catalog.clinics[0].id]}
        for n in range(1000)])
    db.session.commit()


def test_a_thousand_services_take_as_many_queries_as_five(client, catalog, web_as,
                                                          count_queries):
    web_as("manager")
    client.get(INDEX)  # warm up: the session's own look-ups
    small, small_queries = count_queries(lambda: client.get(INDEX))
    small_search, small_search_queries = count_queries(
        lambda: client.get(INDEX, query_string={"q": "услуга"}, headers=HTMX))
    _thousand_services(catalog)
    big, big_queries = count_queries(lambda: client.get(INDEX))
    assert big.status_code == 200
    page = big.get_data(as_text=True)
    assert len(shown_services(page)) == 1005
    assert "BIG-0999" in page and "1\u00a0099,00" in page  # 999 + 100, as Russians write it
    assert big_queries == small_queries <= 12, (small_queries, big_queries)

    found, found_queries = count_queries(
        lambda: client.get(INDEX, query_string={"q": "big-09"}, headers=HTMX))
    assert len(shown_services(found.get_data(as_text=True))) == 100  # 0900 … 0999
    assert found_queries == small_search_queries <= 12, (small_search_queries, found_queries)
