"""The invoice editor's rows: read as typed from the posted form, turned into LineInput.

The editor's form posts one group of fields per line, `lines-<i>-service` (a catalog
service's id, empty for a free-text line), `lines-<i>-name`, `lines-<i>-price`,
`lines-<i>-quantity`, `lines-<i>-discount`. `read_rows` keeps them as text (a refused
save shows them again as typed); `line_inputs` checks them and names every bad field as
the invoice service does (`lines[1].quantity`), so the page shows all of them at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from ..catalog.models import Service
from ..catalog.queries import prices_in_force
from ..core.errors import ValidationFailed
from ..core.money import AmbiguousAmount, AmountError, parse_amount
from ..core.routing import MAX_ID
from ..extensions import db
from .invoices import MAX_LINES, LineInput, line_amount
from .models import ZERO, Invoice, InvoiceLine

FIELD = re.compile(r"lines-(\d{1,3})-(service|name|price|quantity|discount)$")
# How the service names a line's fields → the editor's inputs.
INPUTS = {"name": "name", "unit_price": "price", "quantity": "quantity",
          "discount_percent": "discount"}
ERROR_KEY = re.compile(r"lines\[(\d+)\]\.(\w+)$")


@dataclass(frozen=True)
class Row:
    """One line as the page shows it: the typed text and the catalog service, if any."""

    service: Service | None
    name: str = ""
    price: str = ""
    quantity: str = "1"
    discount: str = "0"

    @property
    def title(self) -> str:
        return self.service.name if self.service else self.name

    def amount(self) -> Decimal | None:
        """The line's amount if its fields read as numbers, else None (shown as «—»)."""
        try:
            price, quantity, discount = (_amount(self.price), int(self.quantity.strip()),
                                         _discount(self.discount))
        except (AmountError, ValueError, InvalidOperation):
            return None
        if price < 0 or not 1 <= quantity <= 999 or not ZERO <= discount <= 100:
            return None
        return line_amount(price, quantity, discount)


def _amount(text: str) -> Decimal:
    return parse_amount(text or "")


def _discount(text: str) -> Decimal:
    text = (text or "").strip().rstrip("%").strip()
    return parse_amount(text) if text else ZERO


def plain(value: Decimal) -> str:
    """«1500,00» / «1500.00»: an amount for an input, in the reader's decimal mark, no
    grouping (parse_amount reads it back)."""
    return format_decimal(value, format="0.00")


def percent(value: Decimal) -> str:
    """A discount for its input: «10», «12,5»."""
    return format_decimal(value, format="0.##")


def rows_of(invoice: Invoice) -> list[Row]:
    """The invoice's lines as editor rows."""
    return [_row_of(line) for line in invoice.lines]


def _row_of(line: InvoiceLine) -> Row:
    return Row(line.service, "" if line.service else line.name, plain(line.unit_price),
               str(line.quantity), percent(line.discount_percent))


def service_row(service: Service, day: date) -> Row:
    """A row of a catalog service at its price in force on `day`."""
    price = prices_in_force([service], day).get(service.id, service.price)
    return Row(service, "", plain(price))


def free_row() -> Row:
    return Row(None)


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        return None
    return int(raw)


def read_rows(formdata) -> list[Row]:
    """The posted lines in order, as typed; services looked up in one query.

    A line whose service id is not a catalog service keeps the bad id out and is shown
    as a free-text line (its check then asks for a name). At most MAX_LINES + 1 rows are
    read: one more than allowed is enough for the service to refuse.
    """
    fields: dict[int, dict[str, str]] = {}
    for key in formdata:
        match = FIELD.match(key)
        if match:
            fields.setdefault(int(match.group(1)), {})[match.group(2)] = formdata.get(key, "")
    positions = sorted(fields)[:MAX_LINES + 1]
    ids = {_id(fields[i].get("service")) for i in positions} - {None}
    services = {s.id: s for s in db.session.scalars(select(Service).where(
        Service.id.in_(ids)))} if ids else {}
    rows = []
    for i in positions:
        given = fields[i]
        service = services.get(_id(given.get("service")))
        rows.append(Row(service, (given.get("name") or "").strip()[:255],
                        (given.get("price") or "").strip()[:32],
                        (given.get("quantity") or "").strip()[:8],
                        (given.get("discount") or "").strip()[:8]))
    return rows


def line_inputs(rows: list[Row]) -> list:
    """The rows as the invoice service takes them.

    Raises ValidationFailed naming every bad field (`lines[0].unit_price`, …) with the
    reader's message; `details` maps each to its messages.
    """
    errors: dict[str, list[str]] = {}
    lines = []
    for i, row in enumerate(rows):
        field = f"lines[{i}]"
        price = quantity = discount = None
        try:
            price = _amount(row.price)
        except AmbiguousAmount as error:
            errors[f"{field}.unit_price"] = [_("«%(text)s» — это %(whole)s или %(fraction)s? "
                                              "Напишите без разделителя тысяч",
                                              text=error.text, whole=error.whole,
                                              fraction=error.fraction)]
        except AmountError:
            errors[f"{field}.unit_price"] = [_("Цена — сумма, например 1500,00")]
        try:
            quantity = int(row.quantity)
        except ValueError:
            errors[f"{field}.quantity"] = [_("Количество — целое число от 1 до %(max)d",
                                             max=999)]
        try:
            discount = _discount(row.discount)
        except AmountError:
            errors[f"{field}.discount_percent"] = [_("Скидка — число от 0 до 100")]
        if not row.service and not row.name:
            errors[f"{field}.name"] = [_("Укажите услугу")]
        if price is not None and quantity is not None and discount is not None:
            lines.append(LineInput(row.service, name=row.name or None, unit_price=price,
                                   quantity=quantity, discount_percent=discount))
    if errors:
        raise ValidationFailed("; ".join(f"{key}: {messages[0]}"
                                         for key, messages in errors.items()),
                               details=errors)
    return lines


def line_errors(details: dict) -> tuple[dict[tuple[int, str], list[str]], list[str]]:
    """A refusal's details split: {(line, input): messages} and the rest (whole invoice)."""
    by_field: dict[tuple[int, str], list[str]] = {}
    other: list[str] = []
    for key, messages in (details or {}).items():
        texts = messages if isinstance(messages, list) else [str(messages)]
        match = ERROR_KEY.match(key)
        if match and match.group(2) in INPUTS:
            by_field.setdefault((int(match.group(1)), INPUTS[match.group(2)]), []).extend(texts)
        elif key not in ("amount_due", "refundable"):
            other.extend(str(text) for text in texts)
    return by_field, other


def summary(rows: list[Row], by_field: dict[tuple[int, str], list[str]]) -> list[str]:
    """«Строка 2 (Анализ крови): количество — от 1 до 999» for every bad field, in order
    (each message names its field itself)."""
    texts = []
    for (position, _field), messages in sorted(by_field.items()):
        row = rows[position] if position < len(rows) else None
        message = messages[0][:1].lower() + messages[0][1:]
        if row is not None and row.title:
            texts.append(_("Строка %(number)d (%(title)s): %(message)s", number=position + 1,
                           title=row.title, message=message))
        else:
            texts.append(_("Строка %(number)d: %(message)s", number=position + 1,
                           message=message))
    return texts


def without(rows: list[Row], position: int) -> list[Row]:
    return [row for i, row in enumerate(rows) if i != position]
