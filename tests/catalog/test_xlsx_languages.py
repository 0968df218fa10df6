"""The price list file in the reader's language: an English desk exports English headers and
yes/no, and a Russian desk imports that file (and the other way round)."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from clinicapp.catalog.models import Service
from clinicapp.extensions import db
from tests.conftest import csrf_token

from .test_xlsx import EXPORT, HEADERS, IMPORT, upload

ENGLISH = ("Code", "Name", "Category", "Price", "Duration, min", "Active", "Description")

def test_an_english_export_imports_at_a_russian_desk(client, catalog, web_as, in_english):
    manager = web_as("manager")
    in_english(manager)
    sheet = load_workbook(BytesIO(client.get(EXPORT).data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ENGLISH and sheet.title == "Price list"
    assert {row[0]: row[5] for row in rows[1:]}["A16.07.001.001"] == "no"
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "A16.07.001.001":
            row[5].value = "yes"
    buffer = BytesIO()
    sheet.parent.save(buffer)

    manager.language = "ru"
    db.session.commit()
    response = upload(client, buffer.getvalue())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Изменено услуг: <strong>1</strong>" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Service.is_active).where(
        Service.code == "A16.07.001.001")) is True
    assert load_workbook(BytesIO(client.get(EXPORT).data)).active["A1"].value == HEADERS[0]


def test_the_english_report_names_the_english_column(client, catalog, web_as, in_english):
    in_english(web_as("manager"))
    workbook = load_workbook(BytesIO(client.get(EXPORT).data))
    workbook.active.append(("N-1", "Massage", None, "1,500", 30, "maybe", None))
    buffer = BytesIO()
    workbook.save(buffer)
    token = csrf_token(client.get(IMPORT).get_data(as_text=True))
    response = client.post(IMPORT, data={"csrf_token": token,
                                         "file": (BytesIO(buffer.getvalue()), "p.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert ("the price “1,500” is ambiguous: write 1500 or 1.50; the “Active” column expects "
            "“yes” or “no”") in page
