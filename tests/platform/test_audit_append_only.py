"""The audit log cannot be rewritten: the database refuses UPDATE, DELETE and TRUNCATE.

Every attempt goes through the application's own connection (its session and its
engine; the tests connect as a superuser, whom a REVOKE would not stop), inside a
savepoint, so the test can read the row afterwards and see it unchanged.
"""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from clinicapp.audit.models import AuditEntry
from clinicapp.audit.services import record
from clinicapp.extensions import db

REFUSED = "audit_entries is append-only"


@pytest.fixture
def entry(app):
    row = record(None, "test.original", changes={"price": ["100.00", "120.00"]})
    db.session.commit()
    return row


def _refused(statement) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught, db.session.begin_nested():
        db.session.execute(statement)
    assert REFUSED in str(caught.value)
    return caught.value


def _as_stored(entry_id: int) -> tuple:
    db.session.expire_all()
    row = db.session.get(AuditEntry, entry_id)
    return row.action, row.changes, row.actor_id


def test_update_through_the_session_is_refused_and_the_row_stays(entry):
    _refused(update(AuditEntry).where(AuditEntry.id == entry.id)
             .values(action="test.rewritten", changes={}))
    assert _as_stored(entry.id) == ("test.original", {"price": ["100.00", "120.00"]}, None)


def test_an_orm_change_to_a_loaded_entry_is_refused_at_flush(entry):
    with pytest.raises(DBAPIError, match=REFUSED), db.session.begin_nested():
        entry.action = "test.rewritten"
        db.session.flush()
    assert _as_stored(entry.id)[0] == "test.original"


def test_delete_through_the_session_is_refused_and_the_row_stays(entry):
    _refused(delete(AuditEntry).where(AuditEntry.id == entry.id))
    with pytest.raises(DBAPIError, match=REFUSED), db.session.begin_nested():
        db.session.delete(entry)
        db.session.flush()
    assert _as_stored(entry.id)[0] == "test.original"


def test_truncate_is_refused(entry):
    error = _refused(text("TRUNCATE audit_entries"))
    assert "TRUNCATE" in str(error)
    assert _as_stored(entry.id)[0] == "test.original"


def test_even_a_statement_that_matches_no_row_is_refused(entry):
    # Statement-level: a probe for "may I?" gets the same answer as a real rewrite.
    _refused(update(AuditEntry).where(AuditEntry.id == -1).values(action="x"))


def test_the_engine_connection_is_bound_too(app):
    """A fresh connection from the app's engine (outside the test's session) is refused alike."""
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            entry_id = connection.execute(insert(AuditEntry).values(
                action="test.engine", changes={"a": 1}).returning(AuditEntry.id)).scalar_one()
            for statement in (update(AuditEntry).where(AuditEntry.id == entry_id)
                              .values(action="test.rewritten"),
                              delete(AuditEntry).where(AuditEntry.id == entry_id)):
                with pytest.raises(DBAPIError, match=REFUSED), connection.begin_nested():
                    connection.execute(statement)
            stored = connection.execute(select(AuditEntry.action, AuditEntry.changes)
                                        .where(AuditEntry.id == entry_id)).one()
            assert tuple(stored) == ("test.engine", {"a": 1})
        finally:
            transaction.rollback()


def test_inserting_still_works(entry):
    second = record(None, "test.correction", changes={"corrects": entry.id})
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.id.in_([entry.id, second.id])).order_by(AuditEntry.id)).all()
    assert actions == ["test.original", "test.correction"]


def test_a_user_with_entries_cannot_be_deleted(make_user):
    """Deleting the actor would rewrite `actor_id` of old entries: the foreign key refuses."""
    user = make_user("manager")
    row = record(user, "test.by_user")
    db.session.commit()
    with pytest.raises(IntegrityError, match="fk_audit_entries_actor_id_users"), \
            db.session.begin_nested():
        db.session.execute(delete(type(user)).where(type(user).id == user.id))
    assert _as_stored(row.id)[2] == user.id
