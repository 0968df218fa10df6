"""Who may do what: one declarative table used by pages, the API and sockets.

A permission is a dotted string. Roles map to sets of permissions; `"*"`
grants everything. Branch scoping is separate: `can_see_branch`.
"""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_babel import gettext as _
from flask_login import current_user

from .errors import NotAuthenticated, PermissionDenied

STAFF_ROLES = ("manager", "receptionist", "cashier", "doctor")

# Filled by each feature's init_app through `declare`; the admin has everything.
ROLE_PERMISSIONS: dict[str, set[str]] = {role: set() for role in (*STAFF_ROLES, "patient")}
ROLE_PERMISSIONS["admin"] = {"*"}

# What each permission means, for reviewers and the users admin page.
PERMISSION_LABELS: dict[str, str] = {}


def declare(permission: str, *, roles, label: str) -> None:
    """A feature's permission and the roles that hold it (the admin holds all).

    `label` is read on pages: give it as `lazy_gettext("…")`, translated when shown.
    """
    for role in roles:
        ROLE_PERMISSIONS[role].add(permission)
    PERMISSION_LABELS[permission] = label


# Permissions that span every branch regardless of assignment.
ALL_BRANCHES_ROLES = {"admin"}


def has_permission(user, permission: str) -> bool:
    """True when the user is active and their role grants `permission`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    granted = ROLE_PERMISSIONS.get(user.role, set())
    return "*" in granted or permission in granted


def can_see_branch(user, branch_id: int) -> bool:
    """Staff see the branches they are assigned to; admins see all."""
    if user is None or not user.is_active:
        return False
    if user.role in ALL_BRANCHES_ROLES:
        return True
    return any(branch.id == branch_id for branch in user.branches)


def acting_user():
    """The user behind this request: the API's JWT user, else the session user."""
    user = g.get("api_user")
    if user is not None:
        return user
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def require_permission(permission: str):
    """Decorator for views and API endpoints alike (raises domain errors)."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            user = acting_user()
            if user is None:
                raise NotAuthenticated(_("Требуется вход в систему"))
            if not has_permission(user, permission):
                raise PermissionDenied(_("Недостаточно прав для этого действия"))
            return func(*args, **kwargs)

        return wrapper

    return decorator
