"""Review fixes of the catalog: no formulas in the exported price list, category names
unique in the database, the paging contract and Russian validation messages."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from clinicapp.catalog import services
from clinicapp.catalog.models import ServiceCategory
from clinicapp.extensions import db

from .test_api_staff import CATEGORIES, SERVICES
from .test_xlsx import EXPORT

EVIL = '=HYPERLINK("http://evil.test","x")'


def test_text_that_looks_like_a_formula_is_exported_as_text(client, catalog, web_as):
    services.create_service(None, code="EVIL-1", name=EVIL, price=Decimal("1"), duration=10,
                            description="+cmd|' /C calc'!A0")
    services.create_service(None, code="@SUM(1)", name="-2+3", price=Decimal("1"), duration=10,
                            description="=1+1")
    db.session.commit()
    web_as("manager")
    response = client.get(EXPORT)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    evil = rows["EVIL-1"]
    assert evil[1].value == EVIL and evil[1].data_type == "s" and evil[1].quotePrefix
    assert evil[6].value.startswith("+cmd") and evil[6].data_type == "s"
    other = rows["@SUM(1)"]
    assert other[0].data_type == "s" and other[0].quotePrefix
    assert other[1].value == "-2+3" and other[1].data_type == "s"
    assert other[6].value == "=1+1" and other[6].data_type == "s" and other[6].quotePrefix
    # Ordinary text is left as it was, and no cell anywhere is a formula.
    assert not rows["A05.10.006"][1].quotePrefix
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_duplicate_category_that_slips_past_the_check_is_a_409(client, catalog, api_as,
                                                                 monkeypatch):
    """As if two requests had passed the Python check at once: the unique index decides."""
    monkeypatch.setattr(services, "_ensure_unique_name", lambda *args: None)
    _user, headers = api_as("manager")
    for body in ({"name": "КАРДИОЛОГИЯ"}, {"name": "терапия", "parent": catalog.dental.id}):
        response = client.post(CATEGORIES, headers=headers, json=body)
        assert response.status_code == 409, response.get_json()
        message = f"Здесь уже есть категория «{body['name']}»"
        assert response.get_json()["details"]["name"] == [message]
    # Renaming and moving meet the same index.
    url = f"{CATEGORIES}/{catalog.surgery.id}"
    assert client.patch(url, headers=headers, json={"name": "Терапия"}).status_code == 409
    assert client.patch(f"{CATEGORIES}/{catalog.endo.id}", headers=headers,
                        json={"parent": catalog.dental.id, "name": "хирургия"}).status_code == 409
    # The same name elsewhere in the tree is fine.
    response = client.post(CATEGORIES, headers=headers,
                           json={"name": "Терапия", "parent": catalog.cardio.id})
    assert response.status_code == 201
    db.session.expire_all()
    names = [c.name.lower() for c in db.session.scalars(db.select(ServiceCategory).where(
        ServiceCategory.parent_id == catalog.dental.id))]
    assert sorted(names) == ["терапия", "хирургия"]


def test_a_duplicate_code_that_slips_past_the_check_is_a_409(client, catalog, api_as,
                                                             monkeypatch):
    monkeypatch.setattr(services, "_ensure_unique_code", lambda *args: None)
    _user, headers = api_as("manager")
    response = client.patch(f"{SERVICES}/{catalog.ecg.id}", headers=headers,
                            json={"code": "X00.001"})
    assert response.status_code == 409 and "code" in response.get_json()["details"]


@pytest.mark.parametrize("url, token", [("/api/v1/services", False), (SERVICES, True)])
def test_limit_is_capped_at_100_and_must_be_positive(client, catalog, api_as, url, token):
    headers = api_as("manager")[1] if token else {}
    response = client.get(url, headers=headers, query_string={"limit": 500})
    assert response.status_code == 200 and response.get_json()
    for bad in (0, -1):
        response = client.get(url, headers=headers, query_string={"limit": bad})
        assert response.status_code == 400
        assert response.get_json()["details"]["limit"] == ["Не меньше 1"]
    response = client.get(url, headers=headers, query_string={"offset": 2**63})
    assert response.status_code == 400 and "offset" in response.get_json()["details"]
    assert client.get(url, headers=headers,
                      query_string={"offset": 2**63 - 1}).status_code == 200


def test_validation_messages_are_russian(client, catalog, api_as):
    _user, headers = api_as("manager")
    response = client.post(CATEGORIES, headers=headers, json={"name": 5, "extra": True})
    assert response.status_code == 400
    details = response.get_json()["details"]
    assert details == {"name": ["Ожидается строка"], "extra": ["Неизвестное поле"]}
    response = client.get("/api/v1/services", query_string={"limit": "много"})
    assert response.get_json()["details"] == {"limit": ["Ожидается целое число"]}
