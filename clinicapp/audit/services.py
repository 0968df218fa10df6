"""Writing audit entries."""
from __future__ import annotations

from flask import g, has_request_context, request

from ..extensions import db
from .models import AuditEntry


def _unwrap(obj):
    # current_user is a proxy: audit the object behind it.
    getter = getattr(obj, "_get_current_object", None)
    return getter() if getter is not None else obj


def record(actor, action: str, target=None, changes: dict | None = None) -> AuditEntry:
    """Add one audit entry to the current transaction (flushed with it).

    `actor` is a User or None (the system); `target` any model with an `id`.
    `changes` must not hold secrets or passwords.
    """
    actor = _unwrap(actor)
    target = _unwrap(target)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        changes=changes or {},
    )
    if has_request_context():
        entry.ip = request.remote_addr
        entry.request_id = getattr(g, "request_id", None)
    db.session.add(entry)
    return entry
