"""After-commit work (live events, e-mails) runs once the outermost transaction commits:
never when a service's savepoint is released, and not for work a savepoint rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clinicapp.core.after_commit import after_commit
from clinicapp.extensions import db


def test_savepoints_neither_run_nor_lose_earlier_callbacks(app):
    ran = []
    after_commit(lambda: ran.append("before the savepoints"))
    with db.session.begin_nested():  # released
        after_commit(lambda: ran.append("in a released savepoint"))
    assert ran == []
    with pytest.raises(DBAPIError), db.session.begin_nested():  # rolled back
        after_commit(lambda: ran.append("in a rolled-back savepoint"))
        db.session.execute(text("SELECT 1 / 0"))
    assert ran == []
    db.session.commit()
    assert ran == ["before the savepoints", "in a released savepoint"]


def test_a_savepoint_released_inside_one_rolled_back_is_dropped_with_it(app):
    ran = []
    with pytest.raises(DBAPIError), db.session.begin_nested():
        with db.session.begin_nested():
            after_commit(lambda: ran.append("inner"))
        db.session.execute(text("SELECT 1 / 0"))
    db.session.commit()
    assert ran == []


def test_a_rolled_back_transaction_runs_nothing(app):
    ran = []
    after_commit(lambda: ran.append("never"))
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_a_failing_callback_neither_stops_the_others_nor_fails_the_commit(app, caplog):
    ran = []

    def broken():
        raise RuntimeError("the mail server is down")

    after_commit(lambda: ran.append("first"))
    after_commit(broken)
    after_commit(lambda: ran.append("after the broken one"))
    db.session.commit()
    assert ran == ["first", "after the broken one"]
    assert "after-commit callback failed" in caplog.text
