"""1С:ЦЛ's question directory: categories (`online_question_cat`) and questions
(`online_question`), keyed by 1C's Ref_Key UUIDs.

Stored here (seeded with demo rows, refreshed by `refresh_question_directory()` from
1С:ЦЛ when it is reachable) so that a ticket's keys are checked and the staff inbox shows
names. While the directory is empty any UUID is accepted: an install that has not
fetched it yet still takes consultations.
"""
from __future__ import annotations

import logging
import uuid

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import field_error
from ..extensions import db
from .models import Question, QuestionCategory

log = logging.getLogger(__name__)


def has_rows() -> bool:
    """Whether the directory has any live (not deleted) category or question: a
    directory with none left checks nothing, like one never fetched."""
    return db.session.scalar(select(QuestionCategory.key).where(
        QuestionCategory.deleted.is_(False)).limit(1)) is not None or \
        db.session.scalar(select(Question.key).where(
            Question.deleted.is_(False)).limit(1)) is not None


def validate_keys(category_key: uuid.UUID | None, question_key: uuid.UUID | None) -> None:
    """Raise ValidationFailed naming the field when a key is not in the (non-empty) directory,
    or the question is not in the given category."""
    if (category_key is None and question_key is None) or not has_rows():
        return
    category = db.session.get(QuestionCategory, category_key) if category_key else None
    if category_key is not None and (category is None or category.deleted):
        raise field_error("online_question_cat", _("Нет такой категории вопросов"))
    question = db.session.get(Question, question_key) if question_key else None
    if question_key is not None and (question is None or question.deleted):
        raise field_error("online_question", _("Нет такого вопроса"))
    if category is not None and question is not None and question.category_key not in (
            None, category.key):
        raise field_error("online_question", _("Вопрос из другой категории"))


def names(keys) -> dict:
    """{key: name} of the categories and questions among `keys` (for the inbox)."""
    keys = [key for key in set(keys) if key is not None]
    if not keys:
        return {}
    found = dict(db.session.execute(
        select(QuestionCategory.key, QuestionCategory.name).where(QuestionCategory.key.in_(keys))
    ).all())
    found.update(db.session.execute(
        select(Question.key, Question.name).where(Question.key.in_(keys))).all())
    return found


def categories() -> list[QuestionCategory]:
    return list(db.session.scalars(select(QuestionCategory).where(
        QuestionCategory.deleted.is_(False)).order_by(QuestionCategory.name)))


def store(entries: list[dict]) -> dict:
    """Write 1C catalog entries (`Ref_Key`, `Description`, `Parent_Key`, `IsFolder`,
    `DeletionMark`): folders become categories, items questions. Entries missing from a
    full refresh are marked deleted (tickets may still name them). Returns counts."""
    empty = "00000000-0000-0000-0000-000000000000"  # 1C's empty reference
    folders = [e for e in entries if e.get("IsFolder")]
    items = [e for e in entries if not e.get("IsFolder")]
    seen_categories, seen_questions = set(), set()
    for entry in folders:
        key = uuid.UUID(entry["Ref_Key"])
        seen_categories.add(key)
        category = db.session.get(QuestionCategory, key) or QuestionCategory(key=key)
        category.name = (entry.get("Description") or "")[:255]
        category.deleted = bool(entry.get("DeletionMark"))
        db.session.add(category)
    db.session.flush()
    for entry in items:
        key = uuid.UUID(entry["Ref_Key"])
        seen_questions.add(key)
        parent = entry.get("Parent_Key")
        parent_key = uuid.UUID(parent) if parent and parent != empty else None
        if parent_key is not None and parent_key not in seen_categories and \
                db.session.get(QuestionCategory, parent_key) is None:
            parent_key = None
        question = db.session.get(Question, key) or Question(key=key)
        question.name = (entry.get("Description") or "")[:255]
        question.category_key = parent_key
        question.deleted = bool(entry.get("DeletionMark"))
        db.session.add(question)
    for model, seen in ((QuestionCategory, seen_categories), (Question, seen_questions)):
        db.session.execute(db.update(model).where(model.key.not_in(seen) if seen else True)
                           .values(deleted=True))
    db.session.flush()
    return {"categories": len(folders), "questions": len(items)}


def refresh_question_directory() -> dict:
    """Fetch the directory from 1С:ЦЛ and store it (the caller commits).

    For the periodic scheduler and `flask sync-question-directory`. Raises
    onec_cl.NotReachable / NotConfigured as the client does; nothing is changed then.
    An empty catalog is taken for a failure too (NotReachable): 1С:ЦЛ answering nothing
    is far likelier a broken configuration or rights than a directory emptied on
    purpose, and applying it would mark every row deleted.
    """
    from . import onec_cl

    entries = onec_cl.client().question_catalog()
    if not entries:
        raise onec_cl.NotReachable("1c-cl: the question catalog is empty; not applied")
    counts = store(entries)
    log.info("question directory refreshed", extra={"counts": counts})
    return counts
