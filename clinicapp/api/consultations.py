"""JSON API of consultations (document 004): clients, tickets, Chatwoot's webhook.

Paths and status codes as 004 documents them: creating and updating answer 200. Errors
keep our shape `{"detail", "error", "details"}`; the two 004 names in English are kept
word for word ("Client not found", "Client data or client_id is required").

Auth: our JWT, or a bearer token of the configured OpenID issuer (consultations.oidc).
Staff with `consultations.view` read every client and ticket, with
`consultations.write` create for anyone; a patient creates and reads only on their own
client; an OpenID subject only on the clients it created. Others' records: 404.
"""
from __future__ import annotations

import hmac
import logging
import uuid
from functools import wraps

import marshmallow as ma
from flask import current_app, g, request
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from ..consultations import clients, intake, oidc, tickets
from ..consultations.clients import Caller
from ..consultations.models import LANGUAGES, SOURCES
from ..core.errors import NotAuthenticated, NotFound, PermissionDenied
from ..core.permissions import has_permission
from .base import ApiBlueprint, bearer_documented
from .schemas import ApiSchema, UtcDateTime

log = logging.getLogger(__name__)

ERRORS = {
    400: "Неверные данные (поля названы в details); «Client data or client_id is required»",
    401: "Нужен действительный токен (наш JWT или токен OpenID-издателя)",
    403: "Недостаточно прав",
    404: "«Client not found» / «Ticket not found» — нет такого или он не ваш",
}

blp = ApiBlueprint("api_consultations", __name__, errors=ERRORS, tag="Консультации · 004",
                   url_prefix="/api", description="Клиенты и консультации (документ 004)")
# Chatwoot's webhook on a blueprint of its own, outside the per-client rate limit: a burst
# of status events from one Chatwoot must not be answered 429 and lost. Its token is
# checked before any work, so a caller without it is turned away at once.
webhook_blp = ApiBlueprint("api_chatwoot_webhook", __name__, errors=ERRORS,
                           tag="Интеграции · Chatwoot", url_prefix="/api",
                           description="Вебхук Chatwoot (смена статуса разговора)")
MAX_TICKETS_LIMIT = 1000


def consultations_auth(permission: str):
    """Our JWT (staff need `permission`; patients pass, limited to their own client) or a
    token of the OpenID issuer. Sets `g.consult_caller`; 401 without a valid token."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            g.consult_caller = _caller()
            user = g.consult_caller.user
            if user is not None and user.role != "patient" and \
                    not has_permission(user, permission):
                raise PermissionDenied("Недостаточно прав для этого действия")
            return func(*args, **kwargs)

        return bearer_documented(wrapper, func)

    return decorator


def _caller() -> Caller:
    try:
        verify_jwt_in_request()
        user = get_current_user()
    except (JWTExtendedException, PyJWTError):
        user = None
    if user is not None and user.is_active:
        g.api_user = user
        return Caller(user=user)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            return Caller(subject=oidc.subject_of(token.strip()))
        except oidc.InvalidToken:
            pass
    raise NotAuthenticated("Требуется действительный токен доступа")


def _text(size: int) -> ma.fields.String:
    return ma.fields.String(allow_none=True, validate=ma.validate.Length(max=size))


class ConsultationClientFieldsSchema(ApiSchema):
    email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=255),
                            metadata={"example": "user@example.com"})
    phone_number = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32),
                                    metadata={"example": "+998901234567"})
    country = _text(100)
    region = _text(100)
    city = _text(100)
    org_inn = _text(20)
    org_id = _text(100)
    subs_id = _text(100)
    subs_start = UtcDateTime(allow_none=True)
    subs_end = UtcDateTime(allow_none=True)
    tariff_id = _text(100)
    tariffperiod_id = _text(100)
    cl_ref_key = _text(100)
    client_id_hash = _text(255)
    client_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "UUID существующего клиента (у клиента-пациента — client_id пациента)"})


class ConsultationFieldsSchema(ApiSchema):
    client_id = ma.fields.UUID(allow_none=True)
    cl_ref_key = _text(100)
    org_inn = _text(20)
    lang = ma.fields.String(load_default="ru", validate=ma.validate.OneOf(LANGUAGES))
    comment = ma.fields.String(required=True, validate=ma.validate.Length(
        min=1, max=tickets.MAX_COMMENT))
    topic = _text(255)
    online_question_cat = ma.fields.UUID(allow_none=True, metadata={
        "description": "Ключ категории из справочника 1С:ЦЛ"})
    online_question = ma.fields.UUID(allow_none=True, metadata={
        "description": "Ключ вопроса из справочника 1С:ЦЛ"})
    importance = ma.fields.Integer(allow_none=True, strict=True,
                                   validate=ma.validate.Range(min=0, max=100))
    scheduled_at = UtcDateTime(allow_none=True)


SOURCE = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SOURCES), metadata={
    "description": "SITE (документ 004), CABINET, MOBILE, STAFF; по умолчанию по тому, "
                   "кто спрашивает: пациент — MOBILE, сотрудник — STAFF, OpenID — SITE"})


class ConsultationCreateSchema(ApiSchema):
    client = ma.fields.Nested(ConsultationClientFieldsSchema, allow_none=True)
    consultation = ma.fields.Nested(ConsultationFieldsSchema, required=True)
    source = SOURCE


class ConsultationSimpleSchema(ConsultationFieldsSchema):
    source = SOURCE


class ConsultationClientSchema(ma.Schema):
    client_id = ma.fields.UUID()
    email = ma.fields.String(allow_none=True)
    phone_number = ma.fields.String(allow_none=True)
    country = ma.fields.String(allow_none=True)
    region = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    org_inn = ma.fields.String(allow_none=True)
    org_id = ma.fields.String(allow_none=True)
    subs_id = ma.fields.String(allow_none=True)
    subs_start = ma.fields.DateTime(allow_none=True)
    subs_end = ma.fields.DateTime(allow_none=True)
    tariff_id = ma.fields.String(allow_none=True)
    tariffperiod_id = ma.fields.String(allow_none=True)
    cl_ref_key = ma.fields.String(allow_none=True)
    client_id_hash = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class TicketSchema(ma.Schema):
    cons_id = ma.fields.String(metadata={
        "description": "Наш постоянный id консультации (UUID), выдаётся сразу"})
    chatwoot_conversation_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "Разговор в Chatwoot; появляется после синхронизации"})
    cl_ref_key = ma.fields.String(allow_none=True, metadata={
        "description": "Ref_Key документа в 1С:ЦЛ; null, пока 1С не ответила"})
    client_id = ma.fields.Function(lambda ticket: str(ticket.client.client_id))
    number = ma.fields.String(allow_none=True, metadata={
        "description": "Номер в 1С:ЦЛ; null, пока 1С не ответила"})
    status = ma.fields.String(metadata={"enum": ["new", "pending", "closed", "other"]})
    org_inn = ma.fields.String(allow_none=True)
    create_date = ma.fields.Method("get_create_date", metadata={
        "type": "string", "format": "date-time"})
    start_date = ma.fields.Method("get_start_date", allow_none=True, metadata={
        "type": "string", "format": "date-time", "description": "scheduled_at запроса"})
    end_date = ma.fields.DateTime(allow_none=True)
    lang = ma.fields.String()
    comment = ma.fields.String()
    topic = ma.fields.String(allow_none=True)
    online_question_cat = ma.fields.String(allow_none=True)
    online_question = ma.fields.String(allow_none=True)
    importance = ma.fields.Integer(allow_none=True)
    source = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()

    def get_create_date(self, ticket) -> str:
        return ticket.created_at.isoformat()

    def get_start_date(self, ticket) -> str | None:
        return ticket.scheduled_at.isoformat() if ticket.scheduled_at else None


class ConsultationAnswerSchema(ma.Schema):
    consultation = ma.fields.Nested(TicketSchema)
    client_id = ma.fields.String()
    message = ma.fields.String(metadata={"example": "Consultation created successfully"})


class TicketPageQuerySchema(ApiSchema):
    skip = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**31 - 1))
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1), metadata={
        "description": "По умолчанию 100; больше 1000 — вернётся 1000"})


class TicketPageSchema(ma.Schema):
    tickets = ma.fields.List(ma.fields.Nested(TicketSchema))
    total = ma.fields.Integer()


def _created(ticket) -> dict:
    return {"consultation": ticket, "client_id": str(ticket.client.client_id),
            "message": "Consultation created successfully"}


@blp.route("/consultations/create", methods=["POST"])
@consultations_auth("consultations.write")
@blp.arguments(ConsultationCreateSchema, location="json")
@blp.response(200, ConsultationAnswerSchema)
@blp.errors(400, 401, 403, 404)
def create_consultation(data):
    """Консультация с данными клиента; клиента нет — создаётся (поиск: `client_id`,
    `client_id_hash`, e-mail+телефон+ИНН). Сразу отвечает своим `cons_id`; Chatwoot и
    1С:ЦЛ получают её позже (очередь), `number` и `cl_ref_key` до того — null."""
    ticket = intake.open_consultation(g.consult_caller, data.get("client"),
                                      data["consultation"], data.get("source"))
    return _created(ticket)


@blp.route("/consultations/simple", methods=["POST"])
@consultations_auth("consultations.write")
@blp.arguments(ConsultationSimpleSchema, location="json")
@blp.response(200, ConsultationAnswerSchema)
@blp.errors(400, 401, 403, 404)
def create_simple(data):
    """Консультация существующего клиента по его `client_id`."""
    source = data.pop("source", None)
    ticket = intake.open_consultation(g.consult_caller, None, data, source)
    return _created(ticket)


@blp.route("/clients", methods=["POST"])
@consultations_auth("consultations.write")
@blp.arguments(ConsultationClientFieldsSchema, location="json")
@blp.response(200, ConsultationClientSchema)
@blp.errors(400, 401, 403, 404)
def upsert_client(data):
    """Создать или обновить клиента (по `client_id`, `client_id_hash` или
    e-mail+телефон+ИНН); повтор не создаёт второго. Совпал e-mail или телефон пациента —
    клиент связан с ним и его `client_id` — `client_id` пациента."""
    return clients.upsert_client(g.consult_caller, data)


def _uuid(text: str):
    """A path's client UUID; anything else is simply a client that does not exist."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(clients.CLIENT_NOT_FOUND) from None


@blp.route("/clients/<string:client_id>", methods=["GET"])
@consultations_auth("consultations.view")
@blp.response(200, ConsultationClientSchema)
@blp.errors(401, 403, 404)
def get_client(client_id):
    """Клиент по UUID."""
    return clients.readable_client(g.consult_caller, client_id=_uuid(client_id))


@blp.route("/clients/by-hash/<string:client_hash>", methods=["GET"])
@consultations_auth("consultations.view")
@blp.response(200, ConsultationClientSchema)
@blp.errors(401, 403, 404)
def get_client_by_hash(client_hash: str):
    """Клиент по `client_id_hash`."""
    return clients.readable_client(g.consult_caller, client_id_hash=client_hash[:255])


@blp.route("/tickets/<string:ticket_id>", methods=["GET"])
@consultations_auth("consultations.view")
@blp.response(200, TicketSchema)
@blp.errors(401, 403, 404)
def get_ticket(ticket_id: str):
    """Консультация по нашему `cons_id` (UUID, постоянный) или по id разговора в Chatwoot."""
    return tickets.readable_ticket(g.consult_caller, ticket_id)


@blp.route("/tickets/clients/<string:client_id>/tickets", methods=["GET"])
@consultations_auth("consultations.view")
@blp.arguments(TicketPageQuerySchema, location="query")
@blp.response(200, TicketPageSchema)
@blp.errors(400, 401, 403, 404)
def client_tickets(query, client_id):
    """Консультации клиента, новые первыми: `skip` (0), `limit` (100, не больше 1000)."""
    client = clients.readable_client(g.consult_caller, client_id=_uuid(client_id))
    rows, total = tickets.tickets_of(client, query["skip"],
                                     min(query["limit"], MAX_TICKETS_LIMIT))
    return {"tickets": rows, "total": total}


class WebhookAnswerSchema(ma.Schema):
    ok = ma.fields.Boolean()
    status = ma.fields.String(allow_none=True)


STATUS_EVENTS = ("conversation_status_changed", "conversation.status_changed",
                 "conversation_updated", "conversation.updated")
UPDATE_EVENTS = ("conversation_updated", "conversation.updated")


def _status_changed(payload: dict) -> bool:
    """Whether a `conversation_updated` changed the status: Chatwoot lists what changed as
    `changed_attributes: [{"status": {"previous_value": …, "current_value": …}}, …]`."""
    changed = payload.get("changed_attributes")
    if isinstance(changed, dict):
        changed = [changed]
    return isinstance(changed, list) and any(
        isinstance(entry, dict) and "status" in entry for entry in changed)


@webhook_blp.route("/integrations/chatwoot/webhook", methods=["POST"])
@webhook_blp.response(200, WebhookAnswerSchema)
@webhook_blp.doc(parameters=[{"in": "query", "name": "token", "required": True,
                      "schema": {"type": "string"},
                      "description": "CHATWOOT_WEBHOOK_TOKEN из настроек"}])
@webhook_blp.errors(401, 403)
def chatwoot_webhook():
    """Вебхук Chatwoot: смена статуса разговора меняет статус консультации (open→new,
    pending→pending, resolved→closed, snoozed→pending, иное→other). `conversation_updated`
    учитывается, только если в `changed_attributes` есть `status`. Пока смена статуса
    сотрудником не отправлена в Chatwoot, статусы из вебхука не применяются. Нет `token` —
    401, неверный — 403; незнакомый разговор — 200, пропускается."""
    token = request.args.get("token", "")
    if not token:
        raise NotAuthenticated("Нужен token в адресе вебхука")
    expected = current_app.config.get("CHATWOOT_WEBHOOK_TOKEN") or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise PermissionDenied("Неверный token вебхука")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or payload.get("event") not in STATUS_EVENTS:
        return {"ok": True, "status": None}
    conversation = payload.get("conversation") if isinstance(
        payload.get("conversation"), dict) else payload
    conversation_id, status = conversation.get("id"), conversation.get("status")
    if payload["event"] in UPDATE_EVENTS and not _status_changed(payload):
        # An assignee, label… change carries the current status too, which may be the
        # one before a staff change of ours not pushed yet: only a status change counts.
        return {"ok": True, "status": None}
    if not isinstance(conversation_id, int) or isinstance(conversation_id, bool) or \
            not 0 < conversation_id < 2**31:
        return {"ok": True, "status": None}
    ticket = tickets.apply_chatwoot_status(conversation_id, status)
    return {"ok": True, "status": ticket.status if ticket is not None else None}


BLUEPRINTS = (blp,)  # rate-limited per client
UNLIMITED = (webhook_blp,)  # authenticated by its own token, never throttled
