"""Read-only selects of the chat: a user's conversations with unread counts and the last
message, a conversation's messages newest first, and whom a patient may write to."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func

from ..auth.models import User
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.models import Clinic
from ..patients.models import Patient
from ..patients.queries import search_conditions
from ..scheduling.models import Appointment
from ..staff.models import Employee
from .models import Conversation, Message


def _is_patient(user) -> bool:
    return user.role == "patient"


def unread_count(conversation: Conversation, *, for_patient: bool) -> int:
    """Messages of the other side that the patient's (or the staff's) side has not read."""
    return db.session.scalar(db.select(func.count()).select_from(Message).where(
        Message.conversation_id == conversation.id, Message.read_at.is_(None),
        Message.from_patient.is_(not for_patient))) or 0


def conversations_statement(user, search: str | None = None):
    """The conversations `user` takes part in, the latest activity first.

    A patient: their own; a doctor: their own with patients; receptionists and managers:
    the desk conversations of their branches (admins: of all). `search` filters by the
    patient's name, phone or birth date (staff).
    """
    statement = db.select(Conversation).join(Patient, Patient.id == Conversation.patient_id)
    if _is_patient(user):
        statement = statement.where(Patient.user_id == user.id)
    elif user.role == "doctor":
        statement = statement.where(Conversation.doctor_user_id == user.id)
    elif user.role in ("receptionist", "manager", "admin"):
        branch_ids = visible_branch_ids(user)
        statement = statement.where(Conversation.kind == "desk")
        if branch_ids is not None:
            statement = statement.where(Conversation.clinic_id.in_(branch_ids or [0]))
    else:
        statement = statement.where(False)
    if search and not _is_patient(user):
        statement = statement.where(*search_conditions(search))
    return statement.order_by(
        func.coalesce(Conversation.last_message_at, Conversation.created_at).desc(),
        Conversation.id.desc())


@dataclass
class Row:
    """One line of an inbox: the conversation as `viewer` sees it."""

    conversation: Conversation
    title: str
    counterpart_id: int | None  # the user id to write to here
    unread: int
    last: Message | None


def _doctor_names(user_ids) -> dict[int, str]:
    rows = db.session.execute(db.select(Employee.user_id, Employee).where(
        Employee.user_id.in_(user_ids or [0])))
    return {user_id: employee.full_name for user_id, employee in rows}


def title_for(viewer, conversation: Conversation, names: dict | None = None) -> str:
    """The other party's name as `viewer` sees it."""
    if not _is_patient(viewer):
        return conversation.patient.full_name
    if conversation.kind == "desk":
        return _("Регистратура · %(branch)s", branch=conversation.clinic.name)
    names = names if names is not None else _doctor_names([conversation.doctor_user_id])
    return (names.get(conversation.doctor_user_id) or conversation.doctor_user.full_name
            or conversation.doctor_user.email)


def rows_for(viewer, conversations: list[Conversation]) -> list[Row]:
    """Inbox lines with unread counts and last messages (three queries for the page)."""
    from .rules import counterpart_of

    ids = [c.id for c in conversations] or [0]
    unread = dict(db.session.execute(
        db.select(Message.conversation_id, func.count()).where(
            Message.conversation_id.in_(ids), Message.read_at.is_(None),
            Message.from_patient.is_(not _is_patient(viewer)))
        .group_by(Message.conversation_id)).all())
    last = {m.conversation_id: m for m in db.session.scalars(
        db.select(Message).where(Message.conversation_id.in_(ids))
        .distinct(Message.conversation_id)
        .order_by(Message.conversation_id, Message.id.desc()))}
    names = _doctor_names([c.doctor_user_id for c in conversations if c.doctor_user_id])
    rows = []
    for conversation in conversations:
        counterpart = counterpart_of(viewer, conversation)
        rows.append(Row(conversation, title_for(viewer, conversation, names),
                        counterpart.id if counterpart else None,
                        unread.get(conversation.id, 0), last.get(conversation.id)))
    return rows


def total_unread(user) -> int:
    """Unread messages across every conversation of `user`."""
    conversation_ids = conversations_statement(user).with_only_columns(
        Conversation.id).order_by(None)
    return db.session.scalar(db.select(func.count()).select_from(Message).where(
        Message.conversation_id.in_(conversation_ids), Message.read_at.is_(None),
        Message.from_patient.is_(not _is_patient(user)))) or 0


def messages_statement(conversation: Conversation):
    """The conversation's messages, newest first."""
    return (db.select(Message).where(Message.conversation_id == conversation.id)
            .order_by(Message.id.desc()))


@dataclass
class Contact:
    """Someone a patient may start writing to."""

    user_id: int
    title: str
    kind: str


def patient_contacts(patient: Patient) -> list[Contact]:
    """The patient's doctors (with a login) and the desks of their branches (with an
    active receptionist): whom the rule lets them write to."""
    doctors = db.session.execute(
        db.select(Employee).join(Appointment, Appointment.employee_id == Employee.id)
        .join(User, User.id == Employee.user_id)
        .where(Appointment.patient_id == patient.id, User.is_active)
        .distinct().order_by(Employee.last_name, Employee.first_name, Employee.id)).scalars()
    contacts = [Contact(d.user_id, d.full_name, "doctor") for d in doctors]
    from .rules import desk_members

    clinics = db.session.scalars(
        db.select(Clinic).join(Appointment, Appointment.clinic_id == Clinic.id)
        .where(Appointment.patient_id == patient.id).distinct().order_by(Clinic.name))
    for clinic in clinics:
        receptionists = [m for m in desk_members(clinic.id) if m.role == "receptionist"]
        if receptionists:
            contacts.append(Contact(receptionists[0].id,
                                    _("Регистратура · %(branch)s", branch=clinic.name), "desk"))
    return contacts
