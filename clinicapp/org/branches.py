"""Branch scoping: which branch a request is about, and which branches a user sees.

Document 002 selects the branch with the `X-Branch-Id` header; lists also take
a `branch` query parameter. Both must agree when both are given.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from ..core.errors import NotFound, PermissionDenied, ValidationFailed
from ..core.permissions import ALL_BRANCHES_ROLES, can_see_branch
from ..core.routing import MAX_ID, parse_id
from ..extensions import db
from .models import Clinic

HEADER = "X-Branch-Id"


def _bad_header(message: str) -> ValidationFailed:
    return ValidationFailed(message, details={HEADER: [_("Ожидается id филиала")]})


def _header_branch_id() -> int | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not raw.strip():  # a client that sends the header means a branch
        raise _bad_header(_("Заголовок %(header)s пуст", header=HEADER))
    try:
        value = int(raw)
    except ValueError as exc:
        raise _bad_header(_("%(header)s должен быть числом", header=HEADER)) from exc
    if not 0 < value <= MAX_ID:
        raise _bad_header(_("%(header)s: нет такого филиала", header=HEADER))
    return value


def requested_branch_id(query_branch: int | None = None) -> int | None:
    """The branch named by the `branch` parameter and/or the X-Branch-Id header.

    Raises ValidationFailed when both are given and differ.
    """
    header = _header_branch_id()
    if header is not None and query_branch is not None and header != query_branch:
        raise ValidationFailed(
            _("Параметр branch (%(branch)s) и заголовок %(header)s (%(value)s) указывают "
              "на разные филиалы", branch=query_branch, header=HEADER, value=header),
            details={"branch": [_("не совпадает с %(other)s", other=HEADER)],
                     HEADER: [_("не совпадает с %(other)s", other="branch")]})
    return query_branch if query_branch is not None else header


def branch_for(user, branch_id: int) -> Clinic:
    """The branch, if it exists and the user may see it (404 / 403 otherwise)."""
    clinic = db.session.get(Clinic, branch_id) if 0 < branch_id <= MAX_ID else None
    if clinic is None:
        raise NotFound(_("Филиал не найден"), details={"branch": [_("Нет такого филиала")]})
    if not can_see_branch(user, branch_id):
        raise PermissionDenied(_("Нет доступа к этому филиалу"), code="branch_forbidden")
    return clinic


def visible_branch_ids(user) -> list[int] | None:
    """Ids of the branches the user works in; None means all (administrators)."""
    if user.role in ALL_BRANCHES_ROLES:
        return None
    return [branch.id for branch in user.branches]


def switcher_branches(user) -> list[Clinic]:
    """The branches a page's switcher offers: the user's own; every branch for admins."""
    if visible_branch_ids(user) is None:
        return list(db.session.scalars(db.select(Clinic).order_by(Clinic.name, Clinic.id)))
    return sorted(user.branches, key=lambda clinic: (clinic.name, clinic.id))


def chosen_branch(user, raw: str | None) -> Clinic | None:
    """The page's branch: `?branch=<id>` (checked: 400 / 404 / 403), else the user's first.

    None when the user has no branch at all.
    """
    branch_id = parse_id(raw, "branch")
    if branch_id is not None:
        return branch_for(user, branch_id)
    if user.branches:
        return user.branches[0]
    branches = switcher_branches(user)
    return branches[0] if branches else None
