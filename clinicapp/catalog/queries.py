"""Read-only selects of the price list: the category tree, paths, filtered service lists,
the search, and the price in force.

Every read of what a service costs goes through `price_in_force_column` (in a select),
`prices_in_force` or `price_in_force`: the latest live history row effective on or before
the day asked (today on the organization's clock by default), so a planned change takes
effect on its day without anyone touching the service.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, exists, false, func, or_, select

from ..auth.models import User
from ..core.search import ESCAPE, contains_pattern
from ..extensions import db
from ..org import clock
from ..org.models import Clinic
from ..staff.models import Employee
from .models import Service, ServiceCategory, ServicePrice, service_clinics, service_doctors

PATH_SEPARATOR = " / "
# Searching folds case and ё into е, in Python and in SQL alike: «Ёж», «еж», «ЕЖ» are one.
YO, YE = "ё", "е"


def subtree_ids(category_id: int):
    """A CTE of the category and all its descendants (any depth)."""
    tree = (select(ServiceCategory.id).where(ServiceCategory.id == category_id)
            .cte("category_subtree", recursive=True))
    return tree.union_all(select(ServiceCategory.id).where(ServiceCategory.parent_id == tree.c.id))


def active_category_ids():
    """A CTE of categories that are active together with all their ancestors."""
    tree = (select(ServiceCategory.id)
            .where(ServiceCategory.parent_id.is_(None), ServiceCategory.is_active)
            .cte("active_categories", recursive=True))
    return tree.union_all(select(ServiceCategory.id).where(
        ServiceCategory.parent_id == tree.c.id, ServiceCategory.is_active))


def is_in_subtree(root_id: int, candidate_id: int) -> bool:
    """True when `candidate_id` is `root_id` itself or lies anywhere below it."""
    tree = subtree_ids(root_id)
    return db.session.scalar(select(exists().where(tree.c.id == candidate_id))) or False


def all_categories() -> list[ServiceCategory]:
    return list(db.session.scalars(select(ServiceCategory).order_by(
        ServiceCategory.position, ServiceCategory.name, ServiceCategory.id)))


def category_paths(categories: list[ServiceCategory] | None = None) -> dict[int, str]:
    """{category id: "Стоматология / Терапия"} for every category."""
    categories = all_categories() if categories is None else categories
    by_id = {c.id: c for c in categories}
    paths: dict[int, str] = {}

    def path(category: ServiceCategory) -> str:
        if category.id not in paths:
            parent = by_id.get(category.parent_id) if category.parent_id else None
            paths[category.id] = (path(parent) + PATH_SEPARATOR if parent else "") + category.name
        return paths[category.id]

    for category in categories:
        path(category)
    return paths


def category_choices() -> list[tuple[int, str]]:
    """(id, path) of every category, in tree order, for select boxes."""
    return [(node["id"], node["path"]) for node in flatten(category_tree())]


def category_tree() -> list[dict]:
    """The nested tree: [{id, name, position, is_active, parent, path, services_count,
    total_count, children}].

    `services_count` counts the category's own services, `total_count` adds the
    subcategories'.
    """
    return _build_tree({})


@dataclass
class PriceList:
    """The price list page: the tree with each node's own services, the services with no
    category, the prices in force, and how many services are shown."""

    tree: list[dict]
    loose: list[Service]
    prices: dict[int, Decimal]
    found: int
    search: str
    choices: list[tuple[int, str]]  # (id, path) of every category in tree order


def price_list(search: str | None = None, on: date | None = None) -> PriceList:
    """The tree with each node's own services (by name) and their prices in force on `on`.

    With a search only what matches is kept: services whose name or code holds every
    typed word, all the services of a category whose path holds them, and the categories
    above those. A fixed number of queries, however many services there are.
    """
    words = search_words(search)
    categories = all_categories()
    statement = (select(Service, price_in_force_column(on or clock.organization_today()))
                 .order_by(Service.name, Service.id))
    named: set[int] = set()
    if words:
        paths = category_paths(categories)
        named = {c.id for c in categories if all(w in fold(paths[c.id]) for w in words)}
        statement = statement.where(or_(service_matches(words), Service.category_id.in_(named)
                                        if named else false()))
    own: dict[int | None, list[Service]] = {}
    prices: dict[int, Decimal] = {}
    for service, price in db.session.execute(statement):
        own.setdefault(service.category_id, []).append(service)
        prices[service.id] = price
    counts = _service_counts()
    tree = _build_tree(own, categories, keep=named if words else None, counts=counts)
    whole = _build_tree({}, categories, counts=counts) if words else tree
    placed = {node["id"] for node in flatten(tree)}
    loose = sorted((s for key, items in own.items() if key not in placed for s in items),
                   key=lambda s: (s.name, s.id))
    return PriceList(tree, loose, prices, len(prices), " ".join(words),
                     [(node["id"], node["path"]) for node in flatten(whole)])


def _service_counts() -> dict[int, int]:
    return dict(db.session.execute(select(Service.category_id, func.count()).where(
        Service.category_id.is_not(None)).group_by(Service.category_id)).all())


def _build_tree(own: dict, categories: list[ServiceCategory] | None = None,
                keep: set[int] | None = None, counts: dict | None = None) -> list[dict]:
    """Nodes with their own services (`own`); with `keep`, only the categories in it, those
    with services shown and those above them (a search's result)."""
    categories = all_categories() if categories is None else categories
    paths = category_paths(categories)
    counts = _service_counts() if counts is None else counts
    by_parent: dict[int | None, list[ServiceCategory]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)

    def build(parent_id: int | None) -> list[dict]:
        nodes = []
        for c in by_parent.get(parent_id, []):
            children = build(c.id)
            shown = len(own.get(c.id, [])) + sum(n["shown_count"] for n in children)
            if keep is not None and c.id not in keep and not shown:
                continue
            nodes.append({
                "id": c.id, "name": c.name, "position": c.position, "is_active": c.is_active,
                "parent": c.parent_id, "path": paths[c.id], "services_count": counts.get(c.id, 0),
                "total_count": counts.get(c.id, 0) + sum(n["total_count"] for n in children),
                "shown_count": shown, "services": own.get(c.id, []), "children": children})
        return nodes

    return build(None)


def flatten(tree: list[dict], depth: int = 0) -> list[dict]:
    """Nodes of the tree in display order, each with its `depth`."""
    result = []
    for node in tree:
        result.append({**node, "depth": depth})
        result.extend(flatten(node["children"], depth + 1))
    return result


def services_statement(*, category: int | None = None, is_active: bool | None = None,
                       search: str | None = None, clinic: int | None = None) -> Select:
    """Staff list (document 002): category includes its subcategories; the search as on the
    page (name or code, every word, literal, case and ё folded)."""
    statement = select(Service).order_by(Service.name, Service.id)
    if category is not None:
        statement = statement.where(Service.category_id.in_(select(subtree_ids(category).c.id)))
    if is_active is not None:
        statement = statement.where(Service.is_active.is_(is_active))
    if search_words(search):
        statement = statement.where(service_matches(search_words(search)))
    if clinic is not None:
        statement = statement.where(_provided_in(clinic))
    return statement


def _provided_in(clinic_id: int):
    return exists().where(service_clinics.c.service_id == Service.id,
                          service_clinics.c.clinic_id == clinic_id)


def _provided_by(doctor_id: int):
    return exists().where(service_doctors.c.service_id == Service.id,
                          service_doctors.c.employee_id == doctor_id)


def public_services_statement(*, search: str | None = None, clinic_id: int | None = None,
                              doctor_id: int | None = None) -> Select:
    """Document 001: active services in active categories (or with no category)."""
    active = active_category_ids()
    statement = select(Service).where(
        Service.is_active,
        or_(Service.category_id.is_(None), Service.category_id.in_(select(active.c.id)))
    ).order_by(Service.name, Service.id)
    if search_words(search):
        statement = statement.where(service_matches(search_words(search), code=False))
    if clinic_id is not None:
        statement = statement.where(_provided_in(clinic_id))
    if doctor_id is not None:
        statement = statement.where(_provided_by(doctor_id))
    return statement


def public_service(service_id: int) -> Service | None:
    """An active service as the public sees it, or None."""
    statement = public_services_statement().where(Service.id == service_id)
    return db.session.scalar(statement)


def public_clinic_ids(service: Service) -> list[int]:
    return list(db.session.scalars(select(Clinic.id).join(
        service_clinics, and_(service_clinics.c.clinic_id == Clinic.id,
                              service_clinics.c.service_id == service.id))
        .where(Clinic.is_active).order_by(Clinic.id)))


def public_doctor_ids(service: Service) -> list[int]:
    return list(db.session.scalars(select(Employee.id).join(
        service_doctors, and_(service_doctors.c.employee_id == Employee.id,
                              service_doctors.c.service_id == service.id))
        .where(Employee.is_active, Employee.is_doctor).order_by(Employee.id)))


# --- search -------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Text as the search compares it: lower case, ё as е."""
    return text.lower().replace(YO, YE)


def _folded(column):
    return func.replace(func.lower(column), YO, YE)


def search_words(search: str | None) -> list[str]:
    """The typed words, folded; none for an empty or blank search."""
    return fold(search or "").split()


def service_matches(words: list[str], *, code: bool = True):
    """Every word is somewhere in the service's name (or code); taken literally."""
    conditions = []
    for word in words:
        pattern = contains_pattern(word)
        matches = _folded(Service.name).like(pattern, escape=ESCAPE)
        if code:
            matches = or_(matches, _folded(Service.code).like(pattern, escape=ESCAPE))
        conditions.append(matches)
    return and_(*conditions)


# --- prices ----------------------------------------------------------------------------------

def _live():
    return and_(ServicePrice.cancelled_at.is_(None), ServicePrice.replaced_at.is_(None))


def price_in_force_column(on: date):
    """SQL for the price of `Service` (of the enclosing select) in force on the day `on`.

    The latest live history row effective on or before that day (served by the partial
    unique index on (service_id, effective_from)); a service written with no history at
    all costs its own `price`.
    """
    latest = (select(ServicePrice.price)
              .where(ServicePrice.service_id == Service.id, _live(),
                     ServicePrice.effective_from <= on)
              .order_by(ServicePrice.effective_from.desc()).limit(1)
              .correlate(Service).scalar_subquery())
    return func.coalesce(latest, Service.price)


def prices_in_force(services, on: date | None = None) -> dict[int, Decimal]:
    """{service id: price in force on `on`} (today on the organization's clock), one query."""
    ids = [s.id for s in services]
    if not ids:
        return {}
    column = price_in_force_column(on or clock.organization_today())
    return dict(db.session.execute(select(Service.id, column).where(Service.id.in_(ids))).all())


def price_in_force(service: Service, on: date | None = None) -> Decimal:
    """What the service costs on `on` (today on the organization's clock)."""
    return prices_in_force([service], on)[service.id]


def live_price_on(service_id: int, day: date) -> ServicePrice | None:
    """The live history row effective exactly on `day`, if any."""
    return db.session.scalar(select(ServicePrice).where(
        ServicePrice.service_id == service_id, ServicePrice.effective_from == day, _live()))


PLANNED, IN_FORCE, PAST, REPLACED, CANCELLED = (
    "planned", "in_force", "past", "replaced", "cancelled")


@dataclass
class HistoryRow:
    entry: ServicePrice
    state: str  # PLANNED, IN_FORCE, PAST, REPLACED or CANCELLED


def price_history(service: Service, on: date | None = None) -> list[HistoryRow]:
    """Every price of the service, the latest day first, each with its state on `on`
    (today on the organization's clock): planned, in force, past, replaced, cancelled."""
    on = on or clock.organization_today()
    entries = db.session.scalars(select(ServicePrice).where(
        ServicePrice.service_id == service.id).order_by(
        ServicePrice.effective_from.desc(), ServicePrice.id.desc()))
    rows, in_force_seen = [], False
    for entry in entries:
        if entry.cancelled_at is not None:
            state = CANCELLED
        elif entry.replaced_at is not None:
            state = REPLACED
        elif entry.effective_from > on:
            state = PLANNED
        elif not in_force_seen:
            state, in_force_seen = IN_FORCE, True
        else:
            state = PAST
        rows.append(HistoryRow(entry, state))
    return rows


def user_names(history: list[HistoryRow]) -> dict[int, str]:
    """{user id: full name or e-mail} of those who set or cancelled the prices in `history`."""
    ids = {user_id for row in history
           for user_id in (row.entry.changed_by_id, row.entry.cancelled_by_id) if user_id}
    if not ids:
        return {}
    return {u.id: u.full_name or u.email
            for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def services_by_code(codes) -> dict[str, Service]:
    codes = list(codes)
    if not codes:
        return {}
    return {s.code: s for s in db.session.scalars(select(Service).where(Service.code.in_(codes)))}


def clinic_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in db.session.scalars(select(Clinic).order_by(Clinic.name))]


def doctor_choices() -> list[tuple[int, str]]:
    doctors = db.session.scalars(select(Employee).where(Employee.is_doctor).order_by(
        Employee.last_name, Employee.first_name, Employee.id))
    return [(d.id, f"{d.full_name} — {d.specialization}" if d.specialization else d.full_name)
            for d in doctors]
