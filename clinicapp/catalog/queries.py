"""Read-only selects of the price list: the category tree, paths, filtered service lists."""
from __future__ import annotations

from sqlalchemy import Select, and_, exists, func, or_, select

from ..auth.models import User
from ..core.search import ESCAPE, contains_pattern
from ..extensions import db
from ..org.models import Clinic
from ..staff.models import Employee
from .models import Service, ServiceCategory, ServicePrice, service_clinics, service_doctors

PATH_SEPARATOR = " / "


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


def tree_with_services() -> tuple[list[dict], list[Service]]:
    """The tree with each node's own services (by name), and the services with no category."""
    own: dict[int | None, list[Service]] = {}
    for service in db.session.scalars(select(Service).order_by(Service.name, Service.id)):
        own.setdefault(service.category_id, []).append(service)
    tree = _build_tree(own)
    placed = {node["id"] for node in flatten(tree)}
    loose = [s for key, items in own.items() if key not in placed for s in items]
    return tree, sorted(loose, key=lambda s: (s.name, s.id))


def _build_tree(own: dict) -> list[dict]:
    categories = all_categories()
    paths = category_paths(categories)
    counts = dict(db.session.execute(select(Service.category_id, func.count()).where(
        Service.category_id.is_not(None)).group_by(Service.category_id)).all())
    by_parent: dict[int | None, list[ServiceCategory]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)

    def build(parent_id: int | None) -> list[dict]:
        nodes = []
        for c in by_parent.get(parent_id, []):
            children = build(c.id)
            nodes.append({
                "id": c.id, "name": c.name, "position": c.position, "is_active": c.is_active,
                "parent": c.parent_id, "path": paths[c.id], "services_count": counts.get(c.id, 0),
                "total_count": counts.get(c.id, 0) + sum(n["total_count"] for n in children),
                "services": own.get(c.id, []), "children": children})
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
    """Staff list (document 002): category includes its subcategories; literal search."""
    statement = select(Service).order_by(Service.name, Service.id)
    if category is not None:
        statement = statement.where(Service.category_id.in_(select(subtree_ids(category).c.id)))
    if is_active is not None:
        statement = statement.where(Service.is_active.is_(is_active))
    if search:
        pattern = contains_pattern(search.strip())
        statement = statement.where(or_(Service.name.ilike(pattern, escape=ESCAPE),
                                        Service.code.ilike(pattern, escape=ESCAPE)))
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
    if search:
        statement = statement.where(Service.name.ilike(contains_pattern(search.strip()),
                                                       escape=ESCAPE))
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


def price_history(service: Service) -> list[ServicePrice]:
    """Every price the service has had, newest first."""
    return list(db.session.scalars(select(ServicePrice).where(
        ServicePrice.service_id == service.id).order_by(ServicePrice.id.desc())))


def user_names(history: list[ServicePrice]) -> dict[int, str]:
    """{user id: full name or e-mail} of those who set the prices in `history`."""
    ids = {entry.changed_by_id for entry in history if entry.changed_by_id}
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
