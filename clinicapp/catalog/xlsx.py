"""The price list as an .xlsx workbook: export, and an all-or-nothing import with a row report.

Import upserts services by code and creates the categories of the path it names
("Стоматология / Терапия"). Every row is checked first; if any row is bad nothing
is written and the report names each bad row and its reasons. A new price takes effect
today. The export speaks the reader's language (headers, «да»/«нет»); the import takes the
headers and the yes/no words of any interface language, so a file travels between a
Russian and an English desk.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from . import fields, queries, services
from .models import Service, ServiceCategory

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# The file's columns, in the reader's language (the Russian ones are the canonical file).
HEADERS = (_l("Код"), _l("Название"), _l("Категория"), _l("Цена"), _l("Длительность, мин"),
           _l("Активна"), _l("Описание"))
KEYS = ("code", "name", "category", "price", "duration", "is_active", "description")
WIDTHS = (16, 48, 36, 14, 20, 10, 60)
PRICE_FORMAT = "#,##0.00"
YES, NO = _l("да"), _l("нет")
TRUE_WORDS = {"да", "д", "yes", "y", "true", "1", "+", "активна", "вкл"}
FALSE_WORDS = {"нет", "н", "no", "n", "false", "0", "-", "неактивна", "выкл"}
ACTIVE = 5  # the «Активна» column
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOT_XLSX = _l("Файл не похож на таблицу Excel (.xlsx): сохраните прайс-лист в формате .xlsx")


class ImportFileError(Exception):
    """The file as a whole cannot be read (not an xlsx, too big, no header…)."""


@dataclass
class ImportReport:
    errors: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, reasons)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    prices_changed: int = 0
    categories_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """One line per bad row: «строка 5: цена не число; код не указан»."""
        return [row_line(number, reasons) for number, reasons in self.errors]


def row_line(number: int, reasons: list[str]) -> str:
    return _("строка %(number)d: %(reasons)s", number=number, reasons="; ".join(reasons))


# --- export --------------------------------------------------------------------

def export_price_list() -> bytes:
    """Every service (active or not) in tree order, as an .xlsx workbook."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Прайс-лист")
    sheet.append([str(title) for title in HEADERS])
    header_fill = PatternFill("solid", fgColor="E0F2F1")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    paths = queries.category_paths()
    order = {node["id"]: n for n, node in enumerate(queries.flatten(queries.category_tree()))}
    rows = sorted(db.session.scalars(select(Service)),
                  key=lambda s: (order.get(s.category_id, len(order)), s.name, s.id))
    prices = queries.prices_in_force(rows)
    for service in rows:
        sheet.append((service.code, service.name, paths.get(service.category_id, ""),
                      prices[service.id], service.duration_minutes,
                      str(YES if service.is_active else NO), service.description or ""))
        for cell in sheet[sheet.max_row]:
            _as_text(cell)
        sheet.cell(row=sheet.max_row, column=4).number_format = PRICE_FORMAT
    sheet.auto_filter.ref = sheet.dimensions
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _as_text(cell) -> None:
    """Text that a spreadsheet could take for a formula (=, +, -, @, tab, CR) stays text.

    openpyxl stores a string starting with "=" as a formula; a price-list name
    like '=HYPERLINK("http://evil.test")' must open as the words it is.
    """
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


# --- import --------------------------------------------------------------------

def import_price_list(actor, stream) -> ImportReport:
    """Read the workbook from `stream`, check every row, then upsert all rows or none.

    Raises ImportFileError (its message in the reader's language) when the file itself
    is unusable.
    Returns the report; when `report.ok` is False nothing was written.
    """
    rows = read_rows(stream)
    report = ImportReport(rows=len(rows))
    checked = _check_rows(rows, report)
    if not report.ok:
        return report
    existing = queries.services_by_code(item["code"] for item in checked)
    prices = queries.prices_in_force(existing.values())
    paths: dict[tuple[str, ...], ServiceCategory | None] = {(): None}
    categories_before = _category_count()
    new = []
    for item in checked:
        path = item.pop("path")
        if path not in paths:
            paths[path] = services.ensure_category_path(actor, list(path))
        item["category"] = paths[path].id if paths[path] else None
        service = existing.get(item["code"])
        if service is None:
            new.append(item)
            continue
        before = _snapshot(service)
        if item["price"] == prices[service.id]:
            del item["price"]  # the same price: no need to look into its history
        else:
            report.prices_changed += 1
        services.update_service(actor, service, **item)
        if "price" not in item and _snapshot(service) == before:
            report.unchanged += 1
        else:
            report.updated += 1
    if new:
        services.create_services(actor, new)
    report.created = len(new)
    report.categories_created = _category_count() - categories_before
    record(actor, "catalog.imported", None, {
        "rows": report.rows, "created": report.created, "updated": report.updated,
        "prices_changed": report.prices_changed,
        "categories_created": report.categories_created})
    return report


def read_rows(stream) -> list[tuple[int, dict]]:
    """(row number, {key: cell value}) for every non-empty data row; checks the header."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Файл больше 2 МБ: разделите прайс-лист на несколько файлов"))
    if not data:
        raise ImportFileError(_("Файл пустой"))
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError,
            TypeError, IndexError) as exc:
        raise ImportFileError(str(NOT_XLSX)) from exc
    try:
        return _sheet_rows(workbook.worksheets[0] if workbook.worksheets else None)
    finally:
        workbook.close()


def _sheet_rows(sheet) -> list[tuple[int, dict]]:
    if sheet is None:
        raise ImportFileError(_("В файле нет ни одного листа"))
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None)
    columns = _columns(header)
    rows = []
    for number, values in enumerate(iterator, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip())
                                 for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("В файле больше %(max)d строк: разделите прайс-лист "
                                    "на несколько файлов", max=MAX_ROWS))
        rows.append((number, {key: values[index] if index < len(values) else None
                              for key, index in columns.items()}))
    if not rows:
        raise ImportFileError(_("В файле нет ни одной строки с услугами"))
    return rows


def header_line() -> str:
    """The headers as the reader writes them: «Код, Название, …» or «Code, Name, …»."""
    return ", ".join(str(title) for title in HEADERS)


def _in_every_language(message) -> set[str]:
    """A message of this module as each interface language writes it, in lower case."""
    words = set()
    for language in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        with force_locale(language):
            words.add(str(message).strip().lower())
    return words


def _columns(header) -> dict[str, int]:
    if not header:
        raise ImportFileError(_("В первой строке должны быть заголовки: %(headers)s",
                                headers=header_line()))
    names = [str(v).strip().lower() if v is not None else "" for v in header]
    columns, missing = {}, []
    for title, key in zip(HEADERS, KEYS, strict=True):
        spellings = _in_every_language(title)
        found = [n for n, name in enumerate(names) if name in spellings]
        if found:
            columns[key] = found[0]
        elif key != "description":
            missing.append(f"«{title}»")
    if missing:
        raise ImportFileError(_("В первой строке нет колонок %(missing)s. Нужны заголовки: "
                                "%(headers)s", missing=", ".join(missing),
                                headers=header_line()))
    return columns


def _check_rows(rows: list[tuple[int, dict]], report: ImportReport) -> list[dict]:
    checked, seen = [], {}
    yes, no = TRUE_WORDS | _in_every_language(YES), FALSE_WORDS | _in_every_language(NO)
    for number, values in rows:
        reasons, item = [], {}
        for key, cleaner in (("code", fields.code), ("name", fields.name),
                             ("price", _price), ("duration", fields.duration),
                             ("description", fields.description)):
            try:
                item[key] = cleaner(values.get(key))
            except ValueError as exc:
                reasons.append(str(exc))
        try:
            item["is_active"] = _flag(values.get("is_active"), yes, no)
        except ValueError as exc:
            reasons.append(str(exc))
        try:
            item["path"] = _path(values.get("category"))
        except ValueError as exc:
            reasons.append(str(exc))
        if "code" in item:
            if item["code"] in seen:
                reasons.append(_("код %(code)s уже был в строке %(row)d", code=item["code"],
                                 row=seen[item["code"]]))
            else:
                seen[item["code"]] = number
        if reasons:
            report.errors.append((number, reasons))
        else:
            checked.append(item)
    return checked


def _price(value):
    # Spreadsheet arithmetic leaves tails such as 0.30000000000000004.
    return fields.price(round(value, 6) if isinstance(value, float) else value)


def _flag(value, yes: set[str], no: set[str]) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in yes:
        return True
    if word in no:
        return False
    raise ValueError(_("в колонке «%(column)s» ожидается «%(yes)s» или «%(no)s»",
                       column=HEADERS[ACTIVE], yes=YES, no=NO))


def _path(value) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = [part.strip() for part in str(value).split("/")]
    if all(not part for part in parts):
        return ()
    if any(not part for part in parts):
        raise ValueError(_("в пути категории пустое название (два «/» подряд?)"))
    if any(len(part) > fields.NAME_MAX for part in parts):
        raise ValueError(_("название категории длиннее %(limit)d символов",
                           limit=fields.NAME_MAX))
    return tuple(parts)


def _snapshot(service: Service) -> dict:
    return {"name": service.name, "duration": service.duration_minutes,
            "category": service.category_id, "is_active": service.is_active,
            "description": service.description}


def _category_count() -> int:
    return db.session.scalar(select(db.func.count()).select_from(ServiceCategory))
