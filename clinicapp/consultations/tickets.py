"""Tickets (consultations of document 004): creating, changing the status, answering.

Creating one assigns its `cons_id` at once (ours, stable: the id to keep) and queues
its sync to Chatwoot and 1С:ЦЛ in the same transaction (sync.py); the request never
waits for either. Chatwoot's conversation id, 1C's Ref_Key and number arrive later.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..core.errors import NotFound, field_error
from ..core.models import utcnow
from ..extensions import db
from ..notifications import notify
from ..org.clock import branch_zone
from ..org.models import Clinic
from . import directory, sync
from .clients import Caller, may_read
from .models import LANGUAGES, SOURCES, STATUSES, Client, Ticket, TicketEvent

log = logging.getLogger(__name__)

MAX_COMMENT = 10_000
MAX_ANSWER = 4_000
TICKET_NOT_FOUND = "Ticket not found"
# Sources a patient may create a ticket from (their own apps).
PATIENT_SOURCES = ("CABINET", "MOBILE")
TICKET_FIELDS = ("org_inn", "lang", "comment", "topic", "online_question_cat",
                 "online_question", "importance", "scheduled_at")


def default_source(caller: Caller) -> str:
    """A ticket's source when the request names none: who asks tells where it comes from."""
    if caller.is_patient:
        return "MOBILE"
    if caller.is_staff:
        return "STAFF"
    return "SITE"


def create_ticket(caller: Caller, client: Client, data: dict, source: str | None) -> Ticket:
    """A new ticket of `client`, status `new`; its sync is queued in this transaction.

    Raises ValidationFailed naming the field: `comment` empty, `lang` not ru/uz,
    `source` unknown (or not the patient's own app), a question key not in the directory.
    """
    source = source or default_source(caller)
    if source not in SOURCES:
        raise field_error("source", _("Допустимо: %(values)s", values=", ".join(SOURCES)))
    if caller.is_patient and source not in PATIENT_SOURCES:
        raise field_error("source", _("Пациент обращается из кабинета или приложения"))
    comment = (data.get("comment") or "").strip()
    if not comment:
        raise field_error("comment", _("Обязательное поле"))
    lang = data.get("lang") or "ru"
    if lang not in LANGUAGES:
        raise field_error("lang", _("Допустимо: %(values)s", values=", ".join(LANGUAGES)))
    directory.validate_keys(data.get("online_question_cat"), data.get("online_question"))
    ticket = Ticket(client=client, cons_id=uuid.uuid4(), status="new", source=source,
                    lang=lang, comment=comment[:MAX_COMMENT], topic=data.get("topic"),
                    org_inn=data.get("org_inn") or client.org_inn,
                    online_question_cat=data.get("online_question_cat"),
                    online_question=data.get("online_question"),
                    importance=data.get("importance"), scheduled_at=data.get("scheduled_at"),
                    created_by_id=getattr(caller.user, "id", None))
    db.session.add(ticket)
    db.session.flush()
    db.session.add(TicketEvent(ticket_id=ticket.id, kind="created", status_after="new",
                               origin="staff" if caller.is_staff else "api",
                               author_id=getattr(caller.user, "id", None)))
    record(caller.user, "consultation.created", ticket,
           {"cons_id": str(ticket.cons_id), "source": source})
    sync.enqueue_ticket_sync(ticket)
    return ticket


def find_ticket(ticket_id: str) -> Ticket | None:
    """By our `cons_id` (a UUID) or by Chatwoot's conversation id (digits)."""
    text = (ticket_id or "").strip()
    if text.isdigit():
        if len(text) > 9:
            return None
        return db.session.scalar(select(Ticket).where(
            Ticket.chatwoot_conversation_id == int(text)))
    try:
        cons_id = uuid.UUID(text)
    except ValueError:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.cons_id == cons_id))


def readable_ticket(caller: Caller, ticket_id: str) -> Ticket:
    """The ticket if the caller may read its client (staff: any), else NotFound."""
    ticket = find_ticket(ticket_id)
    if ticket is None or not may_read(caller, ticket.client):
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def tickets_of(client: Client, skip: int, limit: int) -> tuple[list[Ticket], int]:
    """A page of the client's tickets, newest first, and how many there are."""
    statement = select(Ticket).where(Ticket.client_pk == client.id)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db.session.scalars(statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                              .offset(skip).limit(limit))
    return list(rows), total


def change_status(actor, ticket: Ticket, status: str, *, origin: str) -> bool:
    """Set the ticket's status (closing stamps `end_date`); record it in its history.

    `origin` is "staff" or "chatwoot". A staff change is queued to the Chatwoot
    conversation (sync.enqueue_status_change); one from Chatwoot is not sent back.
    Returns False when it already had that status. Raises ValidationFailed naming
    `status` for an unknown one. Locks the ticket's row first and reads its status
    afresh: a concurrent change (another staff member, Chatwoot's webhook) is waited for,
    so each change starts from the status the one before it left.
    """
    if status not in STATUSES:
        raise field_error("status", _("Допустимо: %(values)s", values=", ".join(STATUSES)))
    lock_ticket(ticket)
    before = ticket.status
    if before == status:
        return False
    ticket.status = status
    if status == "closed":
        ticket.end_date = utcnow()
    elif before == "closed":
        ticket.end_date = None
    event = TicketEvent(ticket_id=ticket.id, kind="status", status_before=before,
                        status_after=status, origin=origin, author_id=getattr(actor, "id", None))
    db.session.add(event)
    record(actor, "consultation.status_changed", ticket, {"status": [before, status]})
    db.session.flush()
    notify_client_of_status_change(ticket, event)
    if origin == "staff":
        sync.enqueue_status_change(event)
    return True


def lock_ticket(ticket: Ticket) -> Ticket:
    """Lock the ticket's row for this transaction and reload it (the object given is
    refreshed in place)."""
    return db.session.scalar(select(Ticket).where(Ticket.id == ticket.id).with_for_update()
                             .execution_options(populate_existing=True))


def notify_client_of_status_change(ticket: Ticket, event: TicketEvent) -> None:
    """Tell the client by e-mail/SMS (in their language) that the ticket's status changed.

    Only a client linked to a patient is written to from here: the others came from the
    site and follow their request in its Chatwoot conversation. One notification per
    status change (the event's id is the key), so a replayed webhook sends nothing twice.

    The request is named by 1С:ЦЛ's number, else its topic, else its date on the
    patient's branch's clock (the template picks); never by our cons_id.
    """
    patient = ticket.client.patient if ticket.client is not None else None
    if patient is None:
        return
    clinic = db.session.get(Clinic, patient.clinic_id) if patient.clinic_id else None
    notify(patient, "consultation_status_changed", key=f"ticket-status:{event.id}", context={
        "number": ticket.number, "status": ticket.status, "topic": ticket.topic,
        "created_at": ticket.created_at, "timezone": branch_zone(clinic).key})


def answer_ticket(actor, ticket: Ticket, text: str) -> TicketEvent:
    """A staff answer: kept in the ticket's history and queued to the Chatwoot
    conversation as an outgoing message. Raises ValidationFailed naming `body`."""
    body = (text or "").strip()
    if not body:
        raise field_error("body", _("Напишите ответ"))
    if len(body) > MAX_ANSWER:
        raise field_error("body", _("Не длиннее %(count)s символов", count=MAX_ANSWER))
    event = TicketEvent(ticket_id=ticket.id, kind="answer", body=body, origin="staff",
                        author_id=actor.id)
    db.session.add(event)
    db.session.flush()
    record(actor, "consultation.answered", ticket, {"event": event.id})
    sync.enqueue_answer(event)
    return event


def apply_chatwoot_status(conversation_id: int, chatwoot_status: str | None) -> Ticket | None:
    """Chatwoot says a conversation's status changed: update its ticket (one mapping table,
    statuses.from_chatwoot). None when no ticket has that conversation (logged, ignored).

    Ignored (the ticket returned unchanged):
    - while a staff status change of the ticket is still queued for Chatwoot: Chatwoot
      shows the status before it, and applying it would undo the staff's change;
    - the echo of our own push: the status we last pushed (`chatwoot_pushed_status`),
      within ECHO_WINDOW of the push. Any other status from Chatwoot is applied and
      forgets the push, so a genuine reopen (open after our «other», itself shown as
      open) still makes the ticket «new».
    """
    from .statuses import from_chatwoot

    ticket = db.session.scalar(select(Ticket).where(
        Ticket.chatwoot_conversation_id == conversation_id).with_for_update())
    if ticket is None:
        log.info("chatwoot webhook: unknown conversation ignored",
                 extra={"conversation_id": conversation_id})
        return None
    if sync.status_change_queued(ticket) or _is_our_echo(ticket, chatwoot_status):
        return ticket
    ticket.chatwoot_pushed_status = ticket.chatwoot_pushed_at = None
    change_status(None, ticket, from_chatwoot(chatwoot_status), origin="chatwoot")
    return ticket


# How long after our push a webhook with the status we pushed is taken for its echo.
# Chatwoot sends its webhooks within seconds; a genuine identical change that soon
# after ours would change nothing anyway, except for our «other» shown as open.
ECHO_WINDOW = timedelta(minutes=2)


def _is_our_echo(ticket: Ticket, chatwoot_status: str | None) -> bool:
    return (ticket.chatwoot_pushed_status is not None
            and ticket.chatwoot_pushed_status == chatwoot_status
            and ticket.chatwoot_pushed_at is not None
            and utcnow() - ticket.chatwoot_pushed_at < ECHO_WINDOW)
