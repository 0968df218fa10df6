"""The consultations' outbound sync, through the outbox.

Creating a ticket enqueues `chatwoot.sync_ticket` and `onec_cl.sync_ticket` (keyed by
the ticket, so never twice); a staff answer enqueues `chatwoot.send_message`, a staff
status change `chatwoot.set_status` (a change Chatwoot reported is not sent back). Payloads
carry ids only (the rows are shown on /admin/outbox). The worker runs each handler in
one transaction with the job's "delivered" mark: what a handler stores (the conversation
id, 1C's Ref_Key and number, the message id) commits with it. Each handler first checks
whether its work is already done, so a job delivered again changes nothing.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.models import utcnow
from ..extensions import db
from ..outbox import enqueue, register_handler
from ..outbox.models import OutboxJob
from . import chatwoot, onec_cl
from .models import Ticket, TicketEvent
from .statuses import to_chatwoot
from .targets import NotReachable

SYNC_CHATWOOT = "chatwoot.sync_ticket"
SYNC_ONEC_CL = "onec_cl.sync_ticket"
SEND_MESSAGE = "chatwoot.send_message"
SET_STATUS = "chatwoot.set_status"


def enqueue_ticket_sync(ticket: Ticket) -> None:
    """Queue the ticket's sync to Chatwoot and 1С:ЦЛ in the caller's transaction."""
    key = str(ticket.cons_id)
    enqueue(SYNC_CHATWOOT, {"ticket_id": ticket.id}, key=key)
    enqueue(SYNC_ONEC_CL, {"ticket_id": ticket.id}, key=key)


def enqueue_answer(event: TicketEvent) -> None:
    """Queue a staff answer to the ticket's Chatwoot conversation."""
    enqueue(SEND_MESSAGE, {"event_id": event.id}, key=str(event.id))


def enqueue_status_change(event: TicketEvent) -> None:
    """Queue a staff status change to the ticket's Chatwoot conversation."""
    enqueue(SET_STATUS, {"ticket_id": event.ticket_id, "event_id": event.id},
            key=str(event.id))


def _ticket(payload: dict) -> Ticket | None:
    return db.session.get(Ticket, payload["ticket_id"], with_for_update=True)


def _lock(ticket: Ticket) -> Ticket:
    """Lock the ticket's row and reload it, to store what a target answered."""
    return db.session.scalar(select(Ticket).where(Ticket.id == ticket.id).with_for_update()
                             .execution_options(populate_existing=True))


def sync_ticket_to_chatwoot(payload: dict) -> None:
    """Find or create the client's Chatwoot contact and open the ticket's conversation.

    Delivery is at least once: an earlier attempt may have created the contact or the
    conversation and lost the answer (or our commit). So the contact is looked up by our
    client_id (its identifier), e-mail and phone before one is created, and an existing
    contact's conversations are searched for this ticket's cons_id before one is opened.

    The HTTP calls (up to five) run without the ticket's row lock, so staff and the
    webhook are not held up by a slow Chatwoot; the row is locked only to store the
    conversation id, and only while none is stored yet (a concurrent delivery that
    stored one first wins; the cons_id lookup already led both to the same one).
    """
    ticket = db.session.get(Ticket, payload["ticket_id"])
    if ticket is None or ticket.chatwoot_conversation_id is not None:
        return
    api = chatwoot.client()
    client = ticket.client
    cons_id = str(ticket.cons_id)
    contact = None
    for query in (str(client.client_id), client.email, client.phone_number):
        if query and contact is None:
            contact = api.search_contact(query)
    conversation_id = source_id = None
    if contact is None:
        contact, source_id = api.create_contact(
            name=client.email or client.phone_number or str(client.client_id),
            email=client.email, phone=client.phone_number, identifier=str(client.client_id))
    else:
        conversation_id = api.find_conversation(contact["id"], cons_id)
    if conversation_id is None:
        if source_id is None:
            source_id = api.source_id(contact)
        conversation_id = api.create_conversation(
            source_id=source_id, contact_id=contact["id"], message=ticket.comment,
            cons_id=cons_id, attributes={"lang": ticket.lang, "source": ticket.source})
    ticket = _lock(ticket)
    if ticket.chatwoot_conversation_id is None:
        ticket.chatwoot_conversation_id = conversation_id
    client.chatwoot_contact_id = contact["id"]
    db.session.flush()


def sync_ticket_to_onec_cl(payload: dict) -> None:
    """Post the consultation to 1С:ЦЛ and keep its Ref_Key and number.

    A document an earlier attempt posted (its answer or our commit lost) is found by our
    cons_id first (an OData `$filter` on the field we store it in), not posted again.
    The HTTP calls run without the ticket's row lock; it is taken only to store.
    """
    ticket = db.session.get(Ticket, payload["ticket_id"])
    if ticket is None or ticket.cl_ref_key is not None:
        return
    api = onec_cl.client()
    ref_key, number = api.find_consultation(ticket.cons_id) or api.post_consultation(ticket)
    ticket = _lock(ticket)
    if ticket.cl_ref_key is None:
        ticket.cl_ref_key, ticket.number = ref_key, number
    db.session.flush()


def send_answer_to_chatwoot(payload: dict) -> None:
    """Post a staff answer as an outgoing message; waits (retried) until the ticket's
    conversation exists.

    An earlier attempt may have posted it and lost the answer: the message carries our
    event id (`content_attributes`), and the conversation's latest messages are searched
    for it before posting.
    """
    event = db.session.get(TicketEvent, payload["event_id"], with_for_update=True)
    if event is None or event.chatwoot_message_id is not None:
        return
    api = chatwoot.client()
    ticket = db.session.get(Ticket, event.ticket_id)
    if ticket.chatwoot_conversation_id is None:
        raise NotReachable("chatwoot: the ticket's conversation is not created yet")
    mark = f"clinicapp:{event.id}"
    found = api.find_message(ticket.chatwoot_conversation_id, mark)
    if found is None:
        found = api.create_message(ticket.chatwoot_conversation_id, event.body, mark=mark)
    event.chatwoot_message_id = found or 0
    db.session.flush()


def _latest_status_event(ticket: Ticket) -> TicketEvent | None:
    return db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "status")
        .order_by(TicketEvent.id.desc()).limit(1)).first()


def set_status_in_chatwoot(payload: dict) -> None:
    """Toggle the conversation to the status showing the ticket's (statuses.to_chatwoot);
    waits (retried) until the ticket's conversation exists.

    Only the ticket's latest status change is sent: a later one has its own job (or came
    from Chatwoot, which then already shows it), so jobs delivered out of order never
    leave Chatwoot on an older status.
    """
    ticket = _ticket(payload)
    if ticket is None:
        return
    latest = _latest_status_event(ticket)
    if latest is None or latest.id != payload["event_id"]:
        return
    api = chatwoot.client()
    if ticket.chatwoot_conversation_id is None:
        raise NotReachable("chatwoot: the ticket's conversation is not created yet")
    status = to_chatwoot(ticket.status)
    api.toggle_status(ticket.chatwoot_conversation_id, status)
    # What we pushed and when: the webhook's echo of it is recognized by this. The row
    # lock is held across the toggle, so a webhook for it waits and then sees it.
    ticket.chatwoot_pushed_status, ticket.chatwoot_pushed_at = status, utcnow()
    db.session.flush()


def status_change_queued(ticket: Ticket) -> bool:
    """Whether a staff status change of the ticket still waits to reach Chatwoot (until
    then Chatwoot's webhooks show the status before it)."""
    return db.session.scalar(select(OutboxJob.id).where(
        OutboxJob.topic == SET_STATUS, OutboxJob.status == "queued",
        OutboxJob.payload["ticket_id"].as_integer() == ticket.id).limit(1)) is not None


HANDLERS = (
    (SYNC_CHATWOOT, sync_ticket_to_chatwoot, _l("Консультация → Chatwoot")),
    (SYNC_ONEC_CL, sync_ticket_to_onec_cl, _l("Консультация → 1С:ЦЛ")),
    (SEND_MESSAGE, send_answer_to_chatwoot, _l("Ответ на консультацию → Chatwoot")),
    (SET_STATUS, set_status_in_chatwoot, _l("Статус консультации → Chatwoot")),
)


def register(app) -> None:
    for topic, handler, label in HANDLERS:
        register_handler(app, topic, handler, label=label)
