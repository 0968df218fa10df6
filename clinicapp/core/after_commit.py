"""Run callbacks only once the current transaction has committed.

Socket.IO events and e-mails must not go out for work that is rolled back.

SQLAlchemy fires `after_commit` and `after_rollback` for savepoints too (a service's
`begin_nested()` that is released or rolled back). So each callback remembers the
savepoint it was queued in: releasing a savepoint hands its callbacks to the enclosing
transaction, rolling one back drops only its own, and only the outermost commit runs them.
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_KEY = "after_commit_callbacks"

log = logging.getLogger("clinicapp.after_commit")


def after_commit(callback: Callable[[], None]) -> None:
    """Queue `callback` to run after the session's next outermost successful commit."""
    session = db.session()
    session.connection()  # begins the transaction the callback belongs to, if none yet
    session.info.setdefault(_KEY, []).append([session.get_nested_transaction(), callback])


def _enclosing_savepoint(transaction):
    parent = transaction.parent
    while parent is not None and not parent.nested:
        parent = parent.parent
    return parent


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # released: the enclosing transaction decides now
        enclosing = _enclosing_savepoint(savepoint)
        for entry in session.info.get(_KEY, ()):
            if entry[0] is savepoint:
                entry[0] = enclosing
        return
    for _, callback in session.info.pop(_KEY, []):
        # The work is committed: one failing side effect must neither stop the others
        # nor turn the request into an error.
        try:
            callback()
        except Exception:  # noqa: BLE001
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_callbacks(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is None:
        session.info.pop(_KEY, None)
        return
    if _KEY in session.info:
        session.info[_KEY] = [entry for entry in session.info[_KEY] if entry[0] is not savepoint]
