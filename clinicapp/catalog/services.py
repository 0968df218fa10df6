"""Changing the price list: categories (a tree) and services with their price history.

Every function here flushes and never commits; the request or command commits once.
Field checks live in `fields.py` so the xlsx import validates rows the same way.
A price may take effect today or from a later day (planned, cancellable until then);
what a service costs is read through `queries.price_in_force`.
"""
from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from ..audit.services import record
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.routing import MAX_ID
from ..extensions import db
from ..org import clock
from ..org.models import Clinic
from ..org.services import unique_or_conflict
from ..staff.models import Employee
from . import fields, queries
from .models import CATEGORY_NAME_INDEX, PRICE_DATE_INDEX, Service, ServiceCategory, ServicePrice

UNSET = object()
# One structural change of the tree at a time: two concurrent moves could make a cycle.
TREE_LOCK_KEY = 0x5E7CA7A1
SERVICE_FIELDS = ("code", "name", "description", "price", "price_from", "duration", "category",
                  "clinics", "doctors", "is_active")


# --- look-ups ---------------------------------------------------------------

def get_service(service_id: int) -> Service:
    """The service with this id; raises NotFound."""
    service = db.session.get(Service, service_id) if 0 < service_id <= MAX_ID else None
    if service is None:
        raise NotFound(_("Услуга не найдена"))
    return service


def get_category(category_id: int) -> ServiceCategory:
    """The category with this id; raises NotFound."""
    category = db.session.get(ServiceCategory, category_id) if 0 < category_id <= MAX_ID else None
    if category is None:
        raise NotFound(_("Категория не найдена"))
    return category


# --- categories ---------------------------------------------------------------

def create_category(actor, *, name, parent=None, position=None) -> ServiceCategory:
    """Add a category under `parent` (an id, or None for the top level) at `position`
    (0-based among its siblings; the end when None).

    Raises ValidationFailed (name, parent, position) and Conflict when the parent already
    has a subcategory of that name.
    """
    clean = _clean_category({"name": name, "position": position})
    _lock_tree()
    parent_category = _parent(parent)
    parent_id = parent_category.id if parent_category else None
    _ensure_unique_name(clean["name"], parent_id, None)
    category = ServiceCategory(name=clean["name"], parent_id=parent_id, is_active=True)
    with _unique_name(category):
        db.session.add(category)
    _place(category, parent_id, clean["position"])
    record(actor, "catalog.category_created", category,
           {"name": category.name, "parent": parent_id, "position": category.position})
    return category


def update_category(actor, category: ServiceCategory, *, name=UNSET, parent=UNSET,
                    position=UNSET, is_active=UNSET) -> ServiceCategory:
    """Rename, move (under another parent and/or to another position) or (de)activate.

    Moving into the category itself or anywhere below it is refused. Raises
    ValidationFailed (name, parent, position, is_active) and Conflict (a sibling of
    the same name).
    """
    given = {k: v for k, v in (("name", name), ("position", position), ("is_active", is_active))
             if v is not UNSET}
    clean = _clean_category(given)
    changes: dict = {}
    _lock_tree()
    new_parent_id = category.parent_id
    if parent is not UNSET:
        parent_category = _parent(parent)
        new_parent_id = parent_category.id if parent_category else None
        if parent_category is not None and queries.is_in_subtree(category.id, new_parent_id):
            message = _("Нельзя переместить категорию «%(name)s» в неё саму "
                        "или в её подкатегорию", name=category.name)
            raise ValidationFailed(message, details={"parent": [message]})
    new_name = clean.get("name", category.name)
    if new_name != category.name or new_parent_id != category.parent_id:
        _ensure_unique_name(new_name, new_parent_id, category.id)
    if "is_active" in clean and clean["is_active"] != category.is_active:
        changes["is_active"] = [category.is_active, clean["is_active"]]
        category.is_active = clean["is_active"]
    old = (category.name, category.parent_id, category.position)
    with _unique_name(category, new_name):
        category.name = new_name
        if parent is not UNSET or "position" in clean:
            _place(category, new_parent_id, clean.get("position"))
    if category.name != old[0]:
        changes["name"] = [old[0], category.name]
    if (category.parent_id, category.position) != old[1:]:
        changes["parent"] = [old[1], category.parent_id]
        changes["position"] = [old[2], category.position]
    if changes:
        record(actor, "catalog.category_updated", category, changes)
    return category


def ensure_category_path(actor, names: list[str]) -> ServiceCategory | None:
    """The category at the path of `names` (top level first), creating missing levels.

    Names match case-insensitively; raises ValidationFailed for a bad name.
    """
    parent_id = None
    category = None
    for name in names:
        category = db.session.scalar(select(ServiceCategory).where(
            _same_parent(parent_id), func.lower(ServiceCategory.name) == name.lower())
            .order_by(ServiceCategory.id).limit(1))
        if category is None:
            category = create_category(actor, name=name, parent=parent_id)
        parent_id = category.id
    return category


def _clean_category(values: dict) -> dict:
    clean, errors = fields.clean(values, fields.CATEGORY_CLEANERS)
    if errors:
        raise ValidationFailed(_("Проверьте поля категории"), details=errors)
    return clean


def _parent(parent) -> ServiceCategory | None:
    if parent is None:
        return None
    category = db.session.get(ServiceCategory, parent) if 0 < parent <= MAX_ID else None
    if category is None:
        raise ValidationFailed(_("Нет такой родительской категории"), details={
            "parent": [_("Нет категории с id %(id)s", id=parent)]})
    return category


def _same_parent(parent_id):
    return (ServiceCategory.parent_id.is_(None) if parent_id is None
            else ServiceCategory.parent_id == parent_id)


def _name_conflict(name: str) -> Conflict:
    message = _("Здесь уже есть категория «%(name)s»", name=name)
    return Conflict(message, details={"name": [message]})


def _ensure_unique_name(name: str, parent_id, own_id) -> None:
    statement = select(ServiceCategory.id).where(
        _same_parent(parent_id), func.lower(ServiceCategory.name) == name.lower())
    if own_id is not None:
        statement = statement.where(ServiceCategory.id != own_id)
    if db.session.scalar(statement.limit(1)) is not None:
        raise _name_conflict(name)


def _unique_name(category: ServiceCategory, name: str | None = None):
    """The block names or moves `category`; a sibling of the same name is a Conflict."""
    return unique_or_conflict(
        {CATEGORY_NAME_INDEX: lambda: _name_conflict(name or category.name)})


def _siblings(parent_id, exclude_id: int) -> list[ServiceCategory]:
    return list(db.session.scalars(select(ServiceCategory).where(
        _same_parent(parent_id), ServiceCategory.id != exclude_id).order_by(
        ServiceCategory.position, ServiceCategory.name, ServiceCategory.id)))


def _place(category: ServiceCategory, parent_id, position: int | None) -> None:
    """Put the category under `parent_id` at `position` and renumber both sibling lists."""
    old_parent_id = category.parent_id
    siblings = _siblings(parent_id, category.id)
    index = len(siblings) if position is None else min(position, len(siblings))
    siblings.insert(index, category)
    category.parent_id = parent_id
    for number, sibling in enumerate(siblings):
        sibling.position = number
    if old_parent_id != parent_id:
        for number, sibling in enumerate(_siblings(old_parent_id, category.id)):
            sibling.position = number
    db.session.flush()


def _lock_tree() -> None:
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TREE_LOCK_KEY})


# --- services ---------------------------------------------------------------

def create_service(actor, *, code, name, price, duration, description=None, category=None,
                   clinics=(), doctors=(), is_active=True) -> Service:
    """Add a service and its first price-history row; audited.

    `category` is a category id or None, `clinics` and `doctors` lists of ids (doctors
    are employees with is_doctor). Raises ValidationFailed naming the fields and
    Conflict when the code is taken.
    """
    return create_services(actor, [{
        "code": code, "name": name, "price": price, "duration": duration,
        "description": description, "category": category, "clinics": clinics,
        "doctors": doctors, "is_active": is_active}])[0]


def create_services(actor, items: list[dict]) -> list[Service]:
    """Add several services at once (each a dict of create_service's keywords), with
    their first prices; audited. All or none: raises like create_service.
    """
    # Loaded once and held, so the per-item checks find them in the identity map.
    categories = _categories_of(items)  # noqa: F841
    cleaned = [_clean_service({"description": None, "category": None, "clinics": [],
                               "doctors": [], "is_active": True, **item}) for item in items]
    codes = [clean["code"] for clean in cleaned]
    repeated = next((code for n, code in enumerate(codes) if code in codes[:n]), None)
    if repeated is not None:
        _code_taken(repeated)
    taken = db.session.scalar(select(Service.code).where(Service.code.in_(codes)).limit(1))
    if taken is not None:
        _code_taken(taken)
    created = [Service(code=c["code"], name=c["name"], description=c["description"],
                       price=c["price"], duration_minutes=c["duration"],
                       category_id=c["category"], is_active=c["is_active"],
                       clinics=c["clinics"], doctors=c["doctors"]) for c in cleaned]
    with _unique_codes(codes):
        db.session.add_all(created)
    today = clock.organization_today()
    for service in created:
        _append_price(actor, service, service.price, today)
        record(actor, "catalog.service_created", service, {
            "code": service.code, "name": service.name, "price": str(service.price),
            "duration": service.duration_minutes, "category": service.category_id,
            "clinics": [c.id for c in service.clinics],
            "doctors": [d.id for d in service.doctors], "is_active": service.is_active})
    db.session.flush()
    return created


def update_service(actor, service: Service, **values) -> Service:
    """Change the given fields (any of SERVICE_FIELDS). A new `price` takes effect today,
    or from the day `price_from` (a later day: a planned change); see `set_price`.
    Audited: "catalog.service_updated" and the price's own entry.

    Raises ValidationFailed naming the fields (price_from in the past, or given without
    a price) and Conflict when the new code is taken.
    """
    unknown = set(values) - set(SERVICE_FIELDS)
    if unknown:
        raise ValueError(f"unknown service fields: {sorted(unknown)}")
    clean = _clean_service(values)
    changes: dict = {}
    new_code = "code" in clean and clean["code"] != service.code
    if new_code:
        _ensure_unique_code(clean["code"], service.id)
    with _unique_codes([clean["code"]]) if new_code else nullcontext():
        for key, attribute in (("code", "code"), ("name", "name"),
                               ("description", "description"), ("duration", "duration_minutes"),
                               ("category", "category_id"), ("is_active", "is_active")):
            if key in clean and clean[key] != getattr(service, attribute):
                changes[key] = [getattr(service, attribute), clean[key]]
                setattr(service, attribute, clean[key])
    for key in ("clinics", "doctors"):
        if key in clean:
            old = [item.id for item in getattr(service, key)]
            new = [item.id for item in clean[key]]
            if sorted(old) != sorted(new):
                changes[key] = [sorted(old), sorted(new)]
                setattr(service, key, clean[key])
    if "price" in clean:
        set_price(actor, service, clean["price"], clean.get("price_from"))
    if changes:
        record(actor, "catalog.service_updated", service, changes)
    return service


def set_price(actor, service: Service, price: Decimal, effective_from: date | None = None
              ) -> ServicePrice | None:
    """Make `price` the service's price from the day `effective_from` (today when None)
    on the organization's clock; returns the new history row, None when nothing changes.

    A later day plans the change ("catalog.price_planned"): the price in force stays until
    then. A day that already has a live price gets the new one, and the old row is kept
    marked replaced. Raises ValidationFailed (price_from) for a day already past.
    """
    today = clock.organization_today()
    day = effective_from or today
    if day < today:
        message = _("Дата начала действия цены уже прошла: цена меняется с сегодняшнего дня "
                    "или с будущей даты")
        raise ValidationFailed(message, details={"price_from": [message]})
    _lock_prices(service)
    same_day = queries.live_price_on(service.id, day)
    before = same_day.price if same_day else queries.price_in_force(service, day)
    if price == before:
        return None
    if same_day is not None:
        same_day.replaced_at = func.now()
    # The partial unique index keeps one live price per day; the replaced row is flushed
    # as replaced when the block is entered.
    with unique_or_conflict({PRICE_DATE_INDEX: _price_taken}):
        entry = _append_price(actor, service, price, day)
    if day == today:
        service.price = price
        record(actor, "catalog.price_changed", service,
               {"price": [str(before), str(price)], "code": service.code})
    else:
        record(actor, "catalog.price_planned", service,
               {"price": [str(before), str(price)], "effective_from": day.isoformat(),
                "code": service.code})
    return entry


def cancel_planned_price(actor, service: Service, entry_id: int) -> ServicePrice:
    """Cancel a planned price of the service before its day comes; audited
    ("catalog.price_cancelled"). The row stays in the history, marked cancelled.

    Raises NotFound (no such row of this service) and Conflict (already cancelled or
    replaced, or its day has come: then set a new price instead).
    """
    _lock_prices(service)
    entry = db.session.get(ServicePrice, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None or entry.service_id != service.id:
        raise NotFound(_("Такой цены в истории услуги нет"))
    if not entry.is_live:
        raise Conflict(_("Эта цена уже отменена или заменена"))
    if entry.effective_from <= clock.organization_today():
        raise Conflict(_("Цена с %(day)s уже действует: её не отменить, задайте новую цену",
                         day=format_date(entry.effective_from, "short")))
    entry.cancelled_at = func.now()
    entry.cancelled_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "catalog.price_cancelled", service,
           {"price": str(entry.price), "effective_from": entry.effective_from.isoformat(),
            "code": service.code})
    return entry


def _lock_prices(service: Service) -> None:
    """The service's row lock: its price history changes one request at a time (the
    price in force is read, then a row written, with no concurrent change between)."""
    db.session.execute(select(Service.id).where(Service.id == service.id).with_for_update())


def _clean_service(values: dict) -> dict:
    clean, errors = fields.clean(values, fields.SERVICE_CLEANERS)
    if clean.get("category") is not None:
        category_id = clean["category"]
        if not (0 < category_id <= MAX_ID and db.session.get(ServiceCategory, category_id)):
            errors.setdefault("category", []).append(
                _("Нет категории с id %(id)s", id=category_id))
    if "clinics" in clean:
        clean["clinics"] = _rows(Clinic, clean["clinics"], "clinics",
                                 lambda i: _("Нет филиала с id %(id)s", id=i), errors)
    if "doctors" in clean:
        clean["doctors"] = _rows(Employee, clean["doctors"], "doctors",
                                 lambda i: _("Нет врача с id %(id)s", id=i), errors,
                                 Employee.is_doctor)
    if clean.get("price_from") is not None and "price" not in clean:
        errors.setdefault("price_from", []).append(_("Укажите цену, которая начнёт действовать"))
    if errors:
        raise ValidationFailed(_("Проверьте поля услуги"), details=errors)
    return clean


def _categories_of(items: list[dict]) -> list[ServiceCategory]:
    ids = {item["category"] for item in items
           if isinstance(item.get("category"), int) and 0 < item["category"] <= MAX_ID}
    if not ids:
        return []
    return list(db.session.scalars(select(ServiceCategory).where(ServiceCategory.id.in_(ids))))


def _rows(model, ids: list[int], field: str, message, errors: dict, *conditions) -> list:
    wanted = [i for i in ids if 0 < i <= MAX_ID]
    found = {row.id: row for row in db.session.scalars(
        select(model).where(model.id.in_(wanted), *conditions))} if wanted else {}
    missing = [i for i in ids if i not in found]
    if missing:
        errors.setdefault(field, []).extend(message(i) for i in missing)
    return [found[i] for i in sorted(found)]


def _ensure_unique_code(code: str, own_id) -> None:
    statement = select(Service.id).where(Service.code == code)
    if own_id is not None:
        statement = statement.where(Service.id != own_id)
    if db.session.scalar(statement) is not None:
        _code_taken(code)


def _code_conflict(code: str) -> Conflict:
    message = _("Услуга с кодом «%(code)s» уже есть", code=code)
    return Conflict(message, details={"code": [message]})


def _code_taken(code: str):
    raise _code_conflict(code)


def _unique_codes(codes: list[str]):
    """The block gives services these codes; one taken meanwhile is a Conflict."""
    return unique_or_conflict({"uq_services_code": lambda: _code_conflict(
        codes[0] if len(codes) == 1 else ", ".join(codes[:3]) + "…")})


def _price_taken() -> Conflict:
    message = _("Цену на этот день только что изменили: обновите страницу")
    return Conflict(message, details={"price": [message]})


def _append_price(actor, service: Service, price: Decimal, day: date) -> ServicePrice:
    entry = ServicePrice(service_id=service.id, price=price, effective_from=day,
                         changed_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    return entry
