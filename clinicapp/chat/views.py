"""The chat pages: the staff's /chat/ (inbox, open thread, starting a conversation with a
patient) and the patient's /cabinet/chat (their doctors and their branches' desks).

History comes as htmx fragments (templates/chat/_inbox.html `#chat-inbox`,
_thread.html `#chat-thread`, _older.html); live frames and sending go over Socket.IO
(static/js/chat.js), with a plain form POST as the fallback without JavaScript.
Opening a thread is reading it: its unread messages are marked read (the other side
hears the receipt).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.errors import DomainError, NotFound, ValidationFailed
from ..core.htmx import wants_fragment
from ..core.permissions import has_permission, require_permission
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.clock import person_zone
from ..patients.models import Patient
from ..patients.queries import patient_for_user, search_patients
from . import limits, queries, rules, services
from .models import MAX_CONTENT

bp = Blueprint("chat", __name__)
PAGE = 30  # messages per page of a thread
INBOX_LIMIT = 100
PERMISSION = "chat.staff"


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def _index_endpoint() -> str:
    return "chat.cabinet" if rules.is_patient_side(current_user) else "chat.staff"


def _inbox(search: str | None = None) -> list:
    conversations = list(db.session.scalars(
        queries.conversations_statement(current_user, search).limit(INBOX_LIMIT)))
    return queries.rows_for(current_user, conversations)


def _thread(conversation, before: int | None = None) -> dict:
    statement = queries.messages_statement(conversation)
    if before is not None:
        statement = statement.where(queries.Message.id < before)
    newest_first = list(db.session.scalars(statement.limit(PAGE + 1)))
    counterpart = rules.counterpart_of(current_user, conversation)
    return {"conversation": conversation, "messages": list(reversed(newest_first[:PAGE])),
            "more": len(newest_first) > PAGE,
            "title": queries.title_for(current_user, conversation),
            "kind_label": queries.kind_label(current_user, conversation),
            "counterpart_id": counterpart.id if counterpart else None}


def _read(conversation) -> None:
    """Opening is reading: mark and commit (the receipt goes out after the commit)."""
    if services.mark_read(current_user, conversation.id):
        db.session.commit()


def _page(conversation=None, **extra):
    thread = None
    if conversation is not None:
        _read(conversation)
        thread = _thread(conversation)
    rows = _inbox(request.args.get("q"))
    context = {"rows": rows, "starts": _starts(request.args.get("q"), rows), "thread": thread,
               "search": request.args.get("q", ""), "zone": person_zone(current_user),
               "max_content": MAX_CONTENT, "is_patient": rules.is_patient_side(current_user),
               "index_endpoint": _index_endpoint(), **extra}
    return render_template("chat/page.html", **context)


def _open(conversation_id: int | None):
    if conversation_id is None:
        return None
    try:
        return rules.conversation_for(current_user, conversation_id)
    except NotFound:
        abort(404)


# --- the staff's page --------------------------------------------------------------------

def _patients_to_the_cabinet(view):
    """/chat/ is the staff's page: a patient asking for it lands on their own chat (the
    open conversation kept)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if rules.is_patient_side(current_user):
            return redirect(url_for("chat.cabinet", c=_int_arg("c")))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/chat/")
@login_required
@_patients_to_the_cabinet
@require_permission(PERMISSION)
def staff():
    """The inbox (`?q=` by patient), the open thread (`?c=`), and starting a conversation
    with a patient (`?patient=`, linked from the patient card): the conversation this user
    already has with them opens instead when there is one."""
    patient_id = _int_arg("patient")
    patient = _patient_to_start(patient_id) if patient_id is not None else None
    if patient is not None:
        existing = rules.conversation_with_patient(current_user, patient)
        if existing is not None:
            return redirect(url_for("chat.staff", c=existing.id))
    return _page(_open(_int_arg("c")), start_patient=patient,
                 start_refused=patient_id is not None and patient is None,
                 may_start=patient is not None and patient.user_id is not None)


def _patient_to_start(patient_id: int) -> Patient | None:
    """The patient of `?patient=` if the rule lets this user write to them. Another
    branch's patient and an unknown id look the same (None): the page must not tell
    their names, nor whether the id exists."""
    patient = db.session.get(Patient, patient_id)
    if patient is None or not rules.may_write_to_patient(current_user, patient):
        return None
    return patient


def may_write_from_card(patient: Patient) -> bool:
    """Whether the patient card offers «Написать в чат» (the template global
    `chat_may_write`): the viewer has the staff chat and the rule lets them write to this
    patient, who has a cabinet."""
    return (current_user.is_authenticated and patient.user_id is not None
            and has_permission(current_user, PERMISSION)
            and rules.may_write_to_patient(current_user, patient))


def _writable_patients(query: str) -> list[Patient]:
    """Patients matching `query` (2+ characters) whom the rule lets this user write to and
    who have a cabinet login."""
    if len(query) < 2 or rules.is_patient_side(current_user):
        return []
    return [p for p in search_patients(query, _organization_id(), limit=20)
            if p.user_id is not None and rules.may_write_to_patient(current_user, p)]


def _starts(query: str | None, rows: list) -> list[Patient]:
    """The inbox search's second half: patients found by the same words with whom this
    user has no conversation in the list yet («Начать разговор с …»)."""
    talking = {row.conversation.patient_id for row in rows}
    return [p for p in _writable_patients((query or "").strip()) if p.id not in talking]


def _organization_id() -> int:
    from ..org.models import Organization

    return db.session.scalar(db.select(Organization.id).order_by(Organization.id).limit(1))


@bp.route("/chat/start", methods=["POST"])
@login_required
@require_permission(PERMISSION)
def start():
    """Open (or create) the conversation with a patient, then go to it."""
    patient = db.session.get(Patient, request.form.get("patient_id", type=int) or 0)
    if patient is None:
        abort(404)
    return _start(patient.user_id)


# --- the patient's page ---------------------------------------------------------------

def _require_patient() -> Patient | None:
    """The signed-in patient's record (None for an account not linked to one yet); 403 for
    staff."""
    if not rules.is_patient_side(current_user):
        abort(403)
    return patient_for_user(current_user)


@bp.route("/cabinet/chat")
@login_required
def cabinet():
    """The patient's conversations and whom they may write to (staff: to /chat/)."""
    if not rules.is_patient_side(current_user):
        return redirect(url_for("chat.staff", c=_int_arg("c")))
    patient = _require_patient()
    contacts = queries.patient_contacts(patient) if patient is not None else []
    return _page(_open(_int_arg("c")), contacts=contacts)


@bp.route("/cabinet/chat/start", methods=["POST"])
@login_required
def cabinet_start():
    _require_patient()
    return _start(request.form.get("recipient_id"))


def _start(recipient_id):
    try:
        conversation = services.open_conversation(current_user, recipient_id=recipient_id)
    except DomainError as error:
        db.session.rollback()
        return render_template("chat/refused.html", detail=error.detail,
                               index_endpoint=_index_endpoint()), error.status_code
    db.session.commit()
    return redirect(url_for(_index_endpoint(), c=conversation.id))


# --- threads, both sides ---------------------------------------------------------------------

@bp.route("/chat/c/<int:conversation_id>")
@login_required
def thread(conversation_id: int):
    """The thread as a fragment for htmx (marked read); a full page otherwise."""
    conversation = _open(conversation_id)
    if not wants_fragment():
        return redirect(url_for(_index_endpoint(), c=conversation.id))
    _read(conversation)
    return render_template("chat/_thread.html", thread=_thread(conversation),
                           zone=person_zone(current_user), max_content=MAX_CONTENT,
                           index_endpoint=_index_endpoint())


@bp.route("/chat/c/<int:conversation_id>/older")
@login_required
def older(conversation_id: int):
    """Earlier messages, before the message `?before=` (htmx: «Показать раньше»)."""
    conversation = _open(conversation_id)
    return render_template("chat/_older.html", thread=_thread(conversation, _int_arg("before")),
                           zone=person_zone(current_user))


@bp.route("/chat/inbox")
@login_required
def inbox():
    """The inbox fragment (refreshed live on a new message; `?q=` for staff)."""
    if not rules.is_patient_side(current_user) and not current_user.is_staff:
        abort(403)
    rows = _inbox(request.args.get("q"))
    return render_template("chat/_inbox.html", rows=rows, starts=_starts(request.args.get("q"), rows),
                           search=request.args.get("q", ""), zone=person_zone(current_user),
                           index_endpoint=_index_endpoint(), open_id=_int_arg("c"))


@bp.route("/chat/c/<int:conversation_id>/send", methods=["POST"])
@login_required
def send(conversation_id: int):
    """Without JavaScript: send from the form and come back to the thread."""
    conversation = _open(conversation_id)
    try:
        limits.check_message_rate(current_user)
        services.send_message(current_user, request.form.get("content"),
                              conversation_id=conversation.id)
    except ValidationFailed as error:
        # Blank, too long: said next to the box, the text kept to fix.
        db.session.rollback()
        problems = (error.details or {}).get("content") or [error.detail]
        return _page(conversation, send_error=problems[0],
                     draft=request.form.get("content") or ""), error.status_code
    except DomainError as error:
        db.session.rollback()
        return render_template("chat/refused.html", detail=error.detail,
                               index_endpoint=_index_endpoint()), error.status_code
    db.session.commit()
    return redirect(url_for(_index_endpoint(), c=conversation_id))
