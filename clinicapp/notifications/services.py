"""notify(): a message to a person, written in their language, queued per channel.

The channels are outbox topics: `email.send` when the person has an e-mail address,
`sms.send` when they have a phone. The text is rendered now, in the reader's language
(rendering.py), and travels in the job's payload, so the worker needs no request or
locale. The jobs join the caller's transaction: a rolled-back booking sends nothing.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from flask import current_app

from ..auth.models import User
from ..core.models import utcnow
from ..extensions import db
from ..org.models import Organization
from ..outbox import enqueue
from ..patients.models import Patient
from .rendering import render

log = logging.getLogger(__name__)

EMAIL_TOPIC, SMS_TOPIC = "email.send", "sms.send"


@dataclass(frozen=True)
class Contacts:
    email: str | None
    phone: str | None


def contacts(recipient: User | Patient) -> Contacts:
    """Where to write: a patient's own e-mail and phone, else those of their cabinet
    account; a user's own."""
    if isinstance(recipient, Patient):
        account = recipient.user
        return Contacts(recipient.email or (account.email if account else None),
                        recipient.phone or (account.phone if account else None))
    return Contacts(recipient.email or None, recipient.phone or None)


def recipient_language(recipient: User | Patient) -> str:
    """The reader's language: the patient's «Язык уведомлений», else the language of their
    account (or the user's own), else the clinic's default (Russian)."""
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    choices = [recipient.language]
    if isinstance(recipient, Patient) and recipient.user is not None:
        choices.append(recipient.user.language)
    for choice in choices:
        if choice in supported:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def greeting_name(recipient: User | Patient) -> str:
    """How the clinic addresses the person: «Асель Маратовна», or the full name."""
    if isinstance(recipient, Patient):
        name = " ".join(p for p in (recipient.first_name, recipient.middle_name) if p)
        return name or recipient.full_name
    return recipient.full_name or recipient.email


def organization_name(recipient: User | Patient) -> str:
    statement = db.select(Organization.name).order_by(Organization.id).limit(1)
    if isinstance(recipient, Patient):
        statement = statement.where(Organization.id == recipient.organization_id)
    return db.session.scalar(statement) or ""


def notify(recipient: User | Patient, template: str, *, context: dict,
           key: str | None = None) -> None:
    """Send `recipient` the notification `template` by e-mail and/or SMS.

    Renders the template (`templates/notifications/<template>.txt`, its context keys are
    in docs/notifications.md) in the recipient's language, with `name` (how to address
    them) and `clinic` (the organization's name) added to `context`, and adds one outbox
    job per channel the recipient has an address for, in the caller's transaction.
    With neither an e-mail nor a phone nothing is queued (logged, without personal data).
    `key` makes a repeat a no-op: the outbox keeps one job per topic and key.
    """
    where = contacts(recipient)
    kind = type(recipient).__name__.lower()
    if not where.email and not where.phone:
        log.info("notification %s to %s #%s skipped: no e-mail and no phone", template, kind,
                 recipient.id)
        return
    language = recipient_language(recipient)
    message = render(template, language, {
        "name": greeting_name(recipient), "clinic": organization_name(recipient), **context})
    common = {"template": template, "language": language, "queued_at": utcnow().isoformat()}
    if where.email:
        enqueue(EMAIL_TOPIC, {**common, "to": where.email, "subject": message.subject,
                              "text": message.text, "html": message.html,
                              "message_id": uuid.uuid4().hex}, key=key)
    if where.phone:
        enqueue(SMS_TOPIC, {**common, "to": where.phone, "text": message.sms,
                            "message_id": uuid.uuid4().hex}, key=key)
