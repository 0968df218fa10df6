"""The staff's consultations pages: the inbox (filters, paging), one ticket (its client,
history, status change, answer through Chatwoot)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..chat.rules import may_write_to_patient
from ..core.actions import answer, perform
from ..core.errors import NotFound
from ..core.forms import form_status
from ..core.pagination import Page, limit_offset, page_number
from ..core.permissions import acting_user, has_permission, require_permission
from ..extensions import db
from ..org.clock import person_zone
from . import chatwoot, directory, tickets
from .forms import AnswerForm
from .models import LANGUAGES, SOURCES, STATUSES, Ticket, TicketEvent
from .statuses import LANGUAGE_LABELS, SOURCE_LABELS, STATUS_BADGES, STATUS_LABELS

bp = Blueprint("consultations", __name__, url_prefix="/consultations")
PAGE_SIZE = 25
FILTERS = ("status", "lang", "source", "date_from", "date_to")


@bp.context_processor
def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "status_badges": STATUS_BADGES,
            "language_labels": LANGUAGE_LABELS, "source_labels": SOURCE_LABELS}


@dataclass
class Filters:
    raw: dict
    conditions: list

    def url(self, **changes) -> str:
        values = {k: v for k, v in {**self.raw, **changes}.items() if v}
        return url_for("consultations.inbox", **values)


def _filters(zone) -> tuple[Filters, dict]:
    """The inbox's filters from the query string and {field: [message]} for bad ones."""
    raw = {name: (request.args.get(name) or "").strip()[:20] for name in FILTERS}
    conditions, errors = [], {}
    for name, column, allowed in (("status", Ticket.status, STATUSES),
                                  ("lang", Ticket.lang, LANGUAGES),
                                  ("source", Ticket.source, SOURCES)):
        if raw[name]:
            if raw[name] in allowed:
                conditions.append(column == raw[name])
            else:
                errors[name] = [_("Неизвестное значение")]
    for name, after in (("date_from", True), ("date_to", False)):
        if not raw[name]:
            continue
        try:
            day = datetime.strptime(raw[name], "%Y-%m-%d").date()
        except ValueError:
            errors[name] = [_("Ожидается дата ГГГГ-ММ-ДД")]
            continue
        start = datetime.combine(day, time.min, zone)
        conditions.append(Ticket.created_at >= start if after
                          else Ticket.created_at < start + timedelta(days=1))
    return Filters(raw, conditions), errors


@bp.route("/")
@login_required
@require_permission("consultations.view")
def inbox():
    """The inbox: newest first, filtered by status, language, source and date."""
    zone = person_zone(acting_user())
    filters, errors = _filters(zone)
    number = page_number(request.args.get("page"))
    if errors:
        page = Page([], 1, PAGE_SIZE, 0)
    else:
        statement = select(Ticket).where(*filters.conditions).order_by(
            Ticket.created_at.desc(), Ticket.id.desc())
        rows, total = limit_offset(statement, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        page = Page(rows, number, PAGE_SIZE, total)
    names = directory.names([t.online_question for t in page.items] +
                            [t.online_question_cat for t in page.items])
    # The fold stays open while a filter behind it is set (or wrong): the reader sees why
    # the list is what it is. The status alone is shown by the quick-filters above it.
    folded_filter_set = bool(errors) or any(filters.raw[name] for name in FILTERS[1:])
    return render_template("consultations/inbox.html", page=page, filters=filters,
                           folded_filter_set=folded_filter_set,
                           errors=errors, names=names, zone=zone, statuses=STATUSES,
                           languages=LANGUAGES, sources=SOURCES), 400 if errors else 200


def _ticket(cons_id: str) -> Ticket:
    ticket = tickets.find_ticket(cons_id)
    if ticket is None:
        raise NotFound(_("Консультация не найдена"))
    return ticket


def _chat_link(ticket: Ticket) -> str | None:
    """The staff chat with the client's patient, when the client is one with a login and
    the viewer may write to them (the chat's own rule: staff of the patient's branches)."""
    patient = ticket.client.patient
    if patient is None or patient.user_id is None:
        return None
    if not may_write_to_patient(acting_user(), patient):
        return None
    return url_for("chat.staff", patient=patient.id)


def _page(ticket: Ticket, status: int = 200, answer_form: AnswerForm | None = None):
    history = list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.created_at, TicketEvent.id)))
    names = directory.names([ticket.online_question, ticket.online_question_cat])
    return render_template("consultations/ticket.html", ticket=ticket, history=history,
                           names=names, zone=person_zone(acting_user()),
                           statuses=STATUSES, chat_link=_chat_link(ticket),
                           answer_form=answer_form or AnswerForm(formdata=None),
                           can_write=has_permission(acting_user(), "consultations.write")), status


@bp.route("/<cons_id>")
@login_required
@require_permission("consultations.view")
def ticket_page(cons_id: str):
    return _page(_ticket(cons_id))


@bp.route("/<cons_id>/status", methods=["POST"])
@login_required
@require_permission("consultations.write")
def change_status(cons_id: str):
    ticket = _ticket(cons_id)
    back = url_for("consultations.ticket_page", cons_id=ticket.cons_id)
    status = request.form.get("status", "")
    return perform(
        lambda: tickets.change_status(acting_user(), ticket, status, origin="staff"),
        on_success=lambda changed: answer(back, _("Статус: %(status)s",
                                                  status=STATUS_LABELS[ticket.status])),
        on_refusal=lambda error: answer(back, error.detail, "error"))


@bp.route("/<cons_id>/answer", methods=["POST"])
@login_required
@require_permission("consultations.write")
def answer_ticket(cons_id: str):
    """Keep a staff answer and queue it to Chatwoot; a refusal (empty, too long) is shown
    under the text box on the page itself (400), what was typed kept."""
    ticket = _ticket(cons_id)
    back = url_for("consultations.ticket_page", cons_id=ticket.cons_id)
    form = AnswerForm()
    return perform(
        lambda: tickets.answer_ticket(acting_user(), ticket, form.body.data or ""), form=form,
        on_success=lambda event: answer(back, _answered_message()),
        on_refusal=lambda error: _page(_ticket(cons_id), form_status(form), answer_form=form))


def _answered_message() -> str:
    """What is true once an answer is saved: it is queued, not yet in Chatwoot."""
    if chatwoot.configured():
        return _("Ответ сохранён и уйдёт в Chatwoot")
    return _("Ответ сохранён; Chatwoot не настроен — он уйдёт, когда настроят")


