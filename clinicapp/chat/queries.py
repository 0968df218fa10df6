"""Read-only selects of the chat: a user's conversations with unread counts and the last
message, a conversation's messages newest first, and whom a patient may write to."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.models import Clinic
from ..patients.models import Patient
from ..patients.queries import search_conditions
from ..scheduling.models import Appointment
from ..staff.models import Employee
from .models import Conversation, Message
from .rules import is_patient_side


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
    if is_patient_side(user):
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
    if search and not is_patient_side(user):
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
    kind_label: str | None = None  # what the conversation is (staff's rows)


def _doctor_names(user_ids) -> dict[int, str]:
    rows = db.session.execute(db.select(Employee.user_id, Employee).where(
        Employee.user_id.in_(user_ids or [0])))
    return {user_id: employee.full_name for user_id, employee in rows}


def kind_label(viewer, conversation: Conversation, names: dict | None = None) -> str | None:
    """What the conversation is, for staff (whose titles are all patients' names): «Регистратура
    · <branch>» for a desk's, «Врач · <doctor>» for a doctor's. None for the patient, whose
    titles already say it."""
    if is_patient_side(viewer):
        return None
    if conversation.kind == "desk":
        return _("Регистратура · %(branch)s", branch=conversation.clinic.name)
    names = names if names is not None else _doctor_names([conversation.doctor_user_id])
    doctor = (names.get(conversation.doctor_user_id) or conversation.doctor_user.full_name
              or conversation.doctor_user.email)
    return _("Врач · %(doctor)s", doctor=doctor)


def title_for(viewer, conversation: Conversation, names: dict | None = None) -> str:
    """The other party's name as `viewer` sees it."""
    if not is_patient_side(viewer):
        return conversation.patient.full_name
    if conversation.kind == "desk":
        return _("Регистратура · %(branch)s", branch=conversation.clinic.name)
    names = names if names is not None else _doctor_names([conversation.doctor_user_id])
    return (names.get(conversation.doctor_user_id) or conversation.doctor_user.full_name
            or conversation.doctor_user.email)


def rows_for(viewer, conversations: list[Conversation]) -> list[Row]:
    """Inbox lines with unread counts, last messages, titles and whom to write to: a fixed
    number of queries however many conversations there are."""
    ids = [c.id for c in conversations] or [0]
    unread = dict(db.session.execute(
        db.select(Message.conversation_id, func.count()).where(
            Message.conversation_id.in_(ids), Message.read_at.is_(None),
            Message.from_patient.is_(not is_patient_side(viewer)))
        .group_by(Message.conversation_id)).all())
    last = {m.conversation_id: m for m in db.session.scalars(
        db.select(Message).where(Message.conversation_id.in_(ids))
        .distinct(Message.conversation_id)
        .order_by(Message.conversation_id, Message.id.desc()))}
    loaded = _load_parties(conversations)  # noqa: F841 - held: the session keeps objects weakly
    names = _doctor_names([c.doctor_user_id for c in conversations if c.doctor_user_id])
    counterparts = _counterpart_ids(viewer, conversations)
    rows = [Row(conversation, title_for(viewer, conversation, names),
                counterparts.get(conversation.id), unread.get(conversation.id, 0),
                last.get(conversation.id), kind_label(viewer, conversation, names))
            for conversation in conversations]
    return rows


def _load_parties(conversations: list[Conversation]) -> list:
    """Patients (with their logins), branches and doctors' logins of the conversations,
    into the session at once: the rows' relationships then come from the identity map
    (as long as the caller holds the returned objects)."""
    patient_ids = {c.patient_id for c in conversations}
    clinic_ids = {c.clinic_id for c in conversations if c.clinic_id}
    doctor_ids = {c.doctor_user_id for c in conversations if c.doctor_user_id}
    loaded: list = []
    if patient_ids:
        loaded += db.session.scalars(db.select(Patient).where(Patient.id.in_(patient_ids))
                                     .options(joinedload(Patient.user))).unique().all()
    if clinic_ids:
        loaded += db.session.scalars(db.select(Clinic).where(Clinic.id.in_(clinic_ids))).all()
    if doctor_ids:
        loaded += db.session.scalars(db.select(User).where(User.id.in_(doctor_ids))).all()
    return loaded


def _counterpart_ids(viewer, conversations: list[Conversation]) -> dict[int, int | None]:
    """rules.counterpart_of for each conversation, the desks' members and last staff
    senders read in one query each."""
    from .rules import desk_members_of, pick_desk_recipient

    if not is_patient_side(viewer):
        return {c.id: c.patient.user_id for c in conversations}
    desks = [c for c in conversations if c.kind == "desk"]
    members = desk_members_of({c.clinic_id for c in desks})
    last_staff = dict(db.session.execute(
        db.select(Message.conversation_id, Message.sender_id)
        .where(Message.conversation_id.in_([c.id for c in desks] or [0]),
               Message.from_patient.is_(False))
        .distinct(Message.conversation_id)
        .order_by(Message.conversation_id, Message.id.desc())).all()) if desks else {}
    answer: dict[int, int | None] = {}
    for conversation in conversations:
        if conversation.kind == "doctor":
            answer[conversation.id] = conversation.doctor_user_id
        else:
            chosen = pick_desk_recipient(members[conversation.clinic_id],
                                         last_staff.get(conversation.id))
            answer[conversation.id] = chosen.id if chosen is not None else None
    return answer


def total_unread(user) -> int:
    """Unread messages across every conversation of `user`."""
    conversation_ids = conversations_statement(user).with_only_columns(
        Conversation.id).order_by(None)
    return db.session.scalar(db.select(func.count()).select_from(Message).where(
        Message.conversation_id.in_(conversation_ids), Message.read_at.is_(None),
        Message.from_patient.is_(not is_patient_side(user)))) or 0


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
