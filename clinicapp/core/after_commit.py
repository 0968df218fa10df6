"""Run callbacks only once the current transaction has committed.

Socket.IO events and e-mails must not go out for work that is rolled back.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_KEY = "after_commit_callbacks"


def after_commit(callback: Callable[[], None]) -> None:
    """Queue `callback` to run after the session's next successful commit."""
    db.session.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_callbacks(session: Session) -> None:
    session.info.pop(_KEY, None)
