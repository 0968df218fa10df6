"""The price list as .xlsx: export, all-or-nothing import with a row report."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from clinicapp.catalog.models import Service, ServiceCategory, ServicePrice
from clinicapp.catalog.xlsx import MAX_ROWS
from clinicapp.extensions import db
from tests.conftest import csrf_token

EXPORT = "/catalog/export.xlsx"
# The file as a Russian desk exports it (test_xlsx_languages.py: the English one).
HEADERS = ("Код", "Название", "Категория", "Цена", "Длительность, мин", "Активна", "Описание")
IMPORT = "/catalog/import"


def workbook_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if headers:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, filename: str = "price.xlsx"):
    token = csrf_token(client.get(IMPORT).get_data(as_text=True))
    return client.post(IMPORT, data={"csrf_token": token, "file": (BytesIO(data), filename)},
                       content_type="multipart/form-data")


def snapshot() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(Service).order_by(Service.code))
    services = [(s.code, s.name, s.price, s.duration_minutes, s.category_id, s.is_active,
                 s.description) for s in rows]
    counts = tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                   for model in (ServiceCategory, ServicePrice))
    return services + [counts]


def test_export_is_a_workbook_with_a_header_and_every_service(client, catalog, web_as):
    web_as("manager")
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert sheet["A1"].font.bold and sheet["G1"].font.bold
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert len(rows) == 6
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["A16.07.008.001"] == ("A16.07.008.001", "Пломбирование канала",
                                         "Стоматология / Терапия / Эндодонтия", 4500.5, 45, "да",
                                         None)
    assert by_code["A16.07.001.001"][5] == "нет"
    assert by_code["X00.001"][2] is None
    assert by_code["A16.07.002.009"][6] == "Пломба из фотополимера"
    price_cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.number_format == "#,##0.00" for cell in price_cells)
    # Tree order: the dental services come before cardiology, loose ones last.
    assert [row[0] for row in rows[1:]][-1] == "X00.001"


def test_export_and_import_need_catalog_manage(client, catalog, web_as):
    web_as("receptionist")
    assert client.get(EXPORT).status_code == 403
    assert client.get(IMPORT).status_code == 403


def test_round_trip_export_modify_import(client, catalog, web_as):
    manager = web_as("manager")
    sheet_bytes = client.get(EXPORT).data
    workbook = load_workbook(BytesIO(sheet_bytes))
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "A05.10.006":
            row[3].value = 1350  # new price
            row[1].value = "ЭКГ в покое с расшифровкой"
        if row[0].value == "A16.07.001.001":
            row[5].value = "да"  # back on
    sheet.append(("B01.023.001", "Приём невролога первичный", "Неврология / Взрослые", "2 800,00",
                  30, "да", "Первичный приём"))
    sheet.append(("A16.07.054", "Имплантация", "стоматология / Хирургия", 45000, 120, None, None))
    buffer = BytesIO()
    workbook.save(buffer)

    response = upload(client, buffer.getvalue())
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "Прайс-лист загружен" in page
    assert "Добавлено услуг: <strong>2</strong>" in page
    assert "Изменено услуг: <strong>2</strong>" in page
    assert "Без изменений: <strong>3</strong>" in page
    assert "Создано категорий: <strong>2</strong>" in page

    db.session.expire_all()
    ecg = db.session.scalar(db.select(Service).where(Service.code == "A05.10.006"))
    assert ecg.price == Decimal("1350.00") and ecg.name == "ЭКГ в покое с расшифровкой"
    prices = list(db.session.scalars(db.select(ServicePrice).where(
        ServicePrice.service_id == ecg.id).order_by(ServicePrice.id)))
    assert [(p.price, p.changed_by_id) for p in prices] == [(Decimal("1200.00"), None),
                                                            (Decimal("1350.00"), manager.id)]
    assert ecg.clinics == [catalog.clinics[1]]  # assignments kept
    neuro = db.session.scalar(db.select(Service).where(Service.code == "B01.023.001"))
    assert neuro.price == Decimal("2800.00") and neuro.category.name == "Взрослые"
    assert neuro.category.parent.name == "Неврология"
    implant = db.session.scalar(db.select(Service).where(Service.code == "A16.07.054"))
    assert implant.category_id == catalog.surgery.id  # the path matched case-insensitively
    assert implant.is_active is True
    assert db.session.scalar(db.select(Service.is_active).where(
        Service.code == "A16.07.001.001")) is True

    # The same file again changes nothing.
    before = snapshot()
    again = upload(client, buffer.getvalue())
    assert "Без изменений: <strong>7</strong>" in again.get_data(as_text=True)
    assert snapshot() == before


def test_bad_rows_give_a_report_and_write_nothing(client, catalog, web_as):
    web_as("manager")
    before = snapshot()
    data = workbook_bytes([
        ("A05.10.006", "ЭКГ", "Кардиология", 999, 20, "да", None),  # fine alone
        ("N-1", "Новая", "Новая категория", "дорого", 30, "да", None),
        (None, "Без кода", None, 100, 30, None, None),
        ("N-2", None, None, -5, 0, "может быть", None),
        ("N-3", "Дробная", None, 10.005, 15.5, None, None),
        ("N-1", "Повтор", "Стоматология //Терапия", 100, 800, None, None),
    ])
    response = upload(client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ничего не записано" in page
    assert "строка 3: цена не число" in page
    assert "строка 4: код не указан" in page
    assert ("строка 5: название не указано; цена меньше нуля; длительность должна быть от 1 до 720 "
            "минут; в колонке «Активна» ожидается «да» или «нет»") in page
    assert "строка 6: у цены больше двух знаков после запятой; длительность не целое число" in page
    assert "строка 7: длительность должна быть от 1 до 720 минут" in page
    assert "код N-1 уже был в строке 3" in page
    assert "пустое название" in page
    assert "строка 2:" not in page
    assert "всё или ничего" in page.lower() or "целиком" in page
    assert snapshot() == before


def test_empty_rows_are_skipped_and_row_numbers_are_the_sheets(client, catalog, web_as):
    web_as("manager")
    data = workbook_bytes([(None,) * 7, ("A05.10.006", "ЭКГ", None, "x", 20, None, None)])
    page = upload(client, data).get_data(as_text=True)
    assert "строка 3: цена не число" in page


@pytest.mark.parametrize("data, filename, message", [
    (b"%PDF-1.4 not a workbook", "price.xlsx", "Файл не похож на таблицу Excel (.xlsx)"),
    ("Код;Название\n1;2\n".encode(), "price.csv", "Файл не похож на таблицу Excel (.xlsx)"),
    (b"PK\x03\x04broken zip", "price.xlsx", "Файл не похож на таблицу Excel (.xlsx)"),
    (None, "price.xlsx", "В первой строке нет колонок «Цена»"),
    (b"", "price.xlsx", "Файл пустой"),
])
def test_unreadable_files_get_a_russian_message(client, catalog, web_as, data, filename, message):
    web_as("manager")
    if data is None:
        data = workbook_bytes([("A1", "Услуга", None, 10, 10, None, None)],
                              headers=("Код", "Название", "Категория", "Стоимость",
                                       "Длительность, мин", "Активна", "Описание"))
    before = snapshot()
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_no_file_is_a_field_error(client, catalog, web_as):
    web_as("manager")
    token = csrf_token(client.get(IMPORT).get_data(as_text=True))
    response = client.post(IMPORT, data={"csrf_token": token})
    assert response.status_code == 400
    assert "Выберите файл .xlsx" in response.get_data(as_text=True)


def test_size_and_row_limits(client, catalog, web_as):
    web_as("manager")
    too_big = upload(client, b"PK" + b"\0" * (2 * 1024 * 1024))
    assert too_big.status_code == 400
    assert "Файл больше 2 МБ" in too_big.get_data(as_text=True)
    rows = [(f"R{n}", "Услуга", None, 100, 30, None, None) for n in range(MAX_ROWS + 1)]
    too_long = upload(client, workbook_bytes(rows))
    assert too_long.status_code == 400
    assert f"В файле больше {MAX_ROWS} строк" in too_long.get_data(as_text=True)
    assert db.session.scalar(db.select(Service).where(Service.code == "R1")) is None


def test_import_page_says_all_or_nothing(client, catalog, web_as):
    web_as("manager")
    page = client.get(IMPORT).get_data(as_text=True)
    assert "Всё или ничего" in page
    assert 'enctype="multipart/form-data"' in page
