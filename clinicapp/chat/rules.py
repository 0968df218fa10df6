"""Who may write to whom: the one rule every surface (raw WebSocket, Socket.IO, pages,
the API) goes through.

- A patient (role patient, linked by `patients.user_id`) may write to a doctor's login
  (an employee with a `user_id`) they have or had an appointment with, or to the front
  desk: any active receptionist of a branch where they have or had an appointment; the
  conversation is then the patient's conversation with that branch's desk, shared by its
  receptionists (and managers). In a conversation that already exists, both sides may
  always write on.
- Staff (doctor, receptionist, manager, admin) may write to any patient of their
  branches (registered there or with an appointment there; admins: every branch); a
  doctor also to their own patients. A doctor writes in their own conversation with the
  patient, the others as the branch's desk.

Everything here reads; `services` creates conversations and messages.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, or_

from ..auth.models import User, user_branches
from ..core.errors import NotFound, PermissionDenied, field_error
from ..core.permissions import can_see_branch
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..patients.models import Patient
from ..patients.queries import patient_for_user
from ..scheduling.models import Appointment
from ..staff.models import Employee
from .models import Conversation

STAFF_ROLES = ("doctor", "receptionist", "manager", "admin")
DESK_ROLES = ("receptionist", "manager", "admin")  # who reads a branch desk's conversations
DESK_AUDIENCE_ROLES = ("receptionist", "manager")  # who hears them live


def patient_rule() -> str:
    return _("Писать можно врачу, у которого вы были или записаны на приём, или в "
             "регистратуру филиала, где у вас есть или была запись")


def staff_rule() -> str:
    return _("Сотрудник может писать пациентам своих филиалов (с доступом в личный "
             "кабинет), врач — также своим пациентам")


@dataclass(frozen=True)
class Target:
    """Where a message goes: the conversation's key, the conversation if it exists, and
    the user it is addressed to."""

    patient: Patient
    kind: str
    doctor_user_id: int | None
    clinic_id: int | None
    recipient: User
    conversation: Conversation | None = None


def is_patient_side(user) -> bool:
    return user.role == "patient"


def _active_user(user_id) -> User | None:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.is_active else None


def id_of(raw, field: str) -> int:
    """An id as a frame carries it (`recipient_id`, `conversation_id`): an int or a string
    of digits, 1 … 2**31-1. Raises ValidationFailed naming `field`."""
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int) or not 0 < raw < 2**31:
        message = (_("Ожидается id пользователя-получателя") if field == "recipient_id"
                   else _("Ожидается id"))
        raise field_error(field, message)
    return raw


def recipient_id_of(raw) -> int:
    """`recipient_id` as a frame carries it: an int or a string of digits."""
    return id_of(raw, "recipient_id")


# --- who belongs to a conversation ------------------------------------------------------

def desk_members(clinic_id: int, roles=DESK_AUDIENCE_ROLES) -> list[User]:
    """Active staff of the branch's front desk, by id."""
    return list(db.session.scalars(
        db.select(User).join(user_branches, user_branches.c.user_id == User.id)
        .where(user_branches.c.clinic_id == clinic_id, User.is_active, User.role.in_(roles))
        .order_by(User.id)))


def may_read(user, conversation: Conversation) -> bool:
    """A participant: the patient, the doctor, or the desk staff of the branch."""
    if user is None or not user.is_active:
        return False
    if is_patient_side(user):
        return conversation.patient.user_id == user.id
    if conversation.kind == "doctor":
        return conversation.doctor_user_id == user.id
    return user.role in DESK_ROLES and can_see_branch(user, conversation.clinic_id)


def conversation_for(user, conversation_id) -> Conversation:
    """The conversation if `user` takes part in it; NotFound otherwise (never 403: another's
    conversation does not exist for them)."""
    conversation = (db.session.get(Conversation, conversation_id)
                    if isinstance(conversation_id, int) and 0 < conversation_id < 2**31 else None)
    if conversation is None or not may_read(user, conversation):
        raise NotFound(_("Разговор не найден"))
    return conversation


def audience_ids(conversation: Conversation) -> set[int]:
    """Every user who hears the conversation live: the patient and the staff side."""
    ids = {conversation.patient.user_id} - {None}
    if conversation.kind == "doctor":
        ids.add(conversation.doctor_user_id)
    else:
        ids.update(member.id for member in desk_members(conversation.clinic_id))
    return ids


def _last_staff_sender(conversation: Conversation) -> User | None:
    from .models import Message

    return db.session.scalar(
        db.select(User).join(Message, Message.sender_id == User.id)
        .where(Message.conversation_id == conversation.id, Message.from_patient.is_(False))
        .order_by(Message.id.desc()).limit(1))


def desk_recipient(conversation: Conversation) -> User | None:
    """Whom a patient's message to the desk is addressed to: the one who answered last if
    still at that desk, else the branch's first active receptionist (then manager)."""
    last = _last_staff_sender(conversation)
    return pick_desk_recipient(desk_members(conversation.clinic_id),
                               last.id if last is not None else None)


def pick_desk_recipient(members: list[User], last_staff_sender_id: int | None) -> User | None:
    """desk_recipient's choice among the desk's members (for callers that load them in
    bulk, like an inbox)."""
    for member in members:
        if member.id == last_staff_sender_id:
            return member
    receptionists = [m for m in members if m.role == "receptionist"]
    return (receptionists or members or [None])[0]


def desk_members_of(clinic_ids, roles=DESK_AUDIENCE_ROLES) -> dict[int, list[User]]:
    """desk_members of several branches in one query: clinic id -> users by id."""
    members: dict[int, list[User]] = {clinic_id: [] for clinic_id in clinic_ids}
    if not members:
        return members
    rows = db.session.execute(
        db.select(user_branches.c.clinic_id, User)
        .join(user_branches, user_branches.c.user_id == User.id)
        .where(user_branches.c.clinic_id.in_(members), User.is_active, User.role.in_(roles))
        .order_by(User.id))
    for clinic_id, user in rows:
        members[clinic_id].append(user)
    return members


def counterpart_of(user, conversation: Conversation) -> User | None:
    """Whom `user` writes to in the conversation."""
    if not is_patient_side(user):
        return conversation.patient.user
    if conversation.kind == "doctor":
        return conversation.doctor_user
    return desk_recipient(conversation)


# --- the rule ----------------------------------------------------------------------------

def in_conversation(user, conversation: Conversation) -> Target:
    """Writing within a conversation the user takes part in (NotFound otherwise)."""
    if not may_read(user, conversation):
        raise NotFound(_("Разговор не найден"))
    recipient = counterpart_of(user, conversation)
    if recipient is None or not recipient.is_active:
        raise PermissionDenied(_("Сейчас в этом разговоре некому ответить"),
                               code="no_recipient")
    return Target(conversation.patient, conversation.kind, conversation.doctor_user_id,
                  conversation.clinic_id, recipient, conversation)


def _existing(patient_id: int, *, doctor_user_id=None, clinic_id=None) -> Conversation | None:
    where = (Conversation.doctor_user_id == doctor_user_id if doctor_user_id
             else Conversation.clinic_id == clinic_id)
    return db.session.scalar(db.select(Conversation).where(
        Conversation.patient_id == patient_id, where))


def _appointments_of(patient_id: int):
    return db.select(Appointment).where(Appointment.patient_id == patient_id)


def _patient_target(sender, recipient: User | None) -> Target:
    patient = patient_for_user(sender)
    if patient is None or recipient is None or recipient.id == sender.id:
        raise PermissionDenied(patient_rule(), code="recipient_forbidden")
    # A conversation the two already share: staff may have started it.
    existing = _existing(patient.id, doctor_user_id=recipient.id)
    if existing is not None:
        return Target(patient, "doctor", recipient.id, None, recipient, existing)
    if recipient.role in DESK_AUDIENCE_ROLES:
        for branch in recipient.branches:
            existing = _existing(patient.id, clinic_id=branch.id)
            if existing is not None:
                return Target(patient, "desk", None, branch.id, recipient, existing)
    treated = db.session.scalar(db.select(exists(
        _appointments_of(patient.id).join(Employee, Employee.id == Appointment.employee_id)
        .where(Employee.user_id == recipient.id))))
    if treated:
        return Target(patient, "doctor", recipient.id, None, recipient)
    if recipient.role == "receptionist":
        branch_ids = [branch.id for branch in recipient.branches]
        clinic_id = db.session.scalar(
            db.select(Appointment.clinic_id).where(Appointment.patient_id == patient.id,
                                                   Appointment.clinic_id.in_(branch_ids))
            .order_by(Appointment.starts_at.desc()).limit(1)) if branch_ids else None
        if clinic_id is not None:
            return Target(patient, "desk", None, clinic_id, recipient,
                          _existing(patient.id, clinic_id=clinic_id))
    raise PermissionDenied(patient_rule(), code="recipient_forbidden")


def may_write_to_patient(sender, patient: Patient) -> bool:
    """Staff of the patient's branches (registered there, or an appointment there); admins
    everywhere; a doctor also to whoever has an appointment with them."""
    if sender is None or not sender.is_active or sender.role not in STAFF_ROLES:
        return False
    branch_ids = visible_branch_ids(sender)
    if branch_ids is None:
        return True
    conditions = [Appointment.clinic_id.in_(branch_ids)] if branch_ids else []
    if sender.role == "doctor":
        conditions.append(Appointment.employee_id.in_(
            db.select(Employee.id).where(Employee.user_id == sender.id)))
    if patient.clinic_id in branch_ids:
        return True
    return bool(conditions) and bool(db.session.scalar(db.select(exists(
        _appointments_of(patient.id).where(or_(*conditions))))))


def desk_branch_for(sender, patient: Patient) -> int | None:
    """The branch whose desk a receptionist, manager or admin writes as: an existing desk
    conversation of the patient in their branches, else the branch of the patient's
    latest appointment there, else the patient's own branch, else their first."""
    branch_ids = visible_branch_ids(sender)

    def visible(column):
        return True if branch_ids is None else column.in_(branch_ids or [0])

    clinic_id = db.session.scalar(
        db.select(Conversation.clinic_id).where(
            Conversation.patient_id == patient.id, Conversation.kind == "desk",
            visible(Conversation.clinic_id))
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id).limit(1))
    if clinic_id is None:
        clinic_id = db.session.scalar(
            db.select(Appointment.clinic_id).where(Appointment.patient_id == patient.id,
                                                   visible(Appointment.clinic_id))
            .order_by(Appointment.starts_at.desc()).limit(1))
    if clinic_id is None and patient.clinic_id is not None and (
            branch_ids is None or patient.clinic_id in branch_ids):
        clinic_id = patient.clinic_id
    if clinic_id is None and branch_ids:
        clinic_id = branch_ids[0]
    return clinic_id


def _staff_target(sender, recipient: User | None) -> Target:
    patient = patient_for_user(recipient)
    if patient is None or not may_write_to_patient(sender, patient):
        raise PermissionDenied(staff_rule(), code="recipient_forbidden")
    if sender.role == "doctor":
        return Target(patient, "doctor", sender.id, None, recipient,
                      _existing(patient.id, doctor_user_id=sender.id))
    clinic_id = desk_branch_for(sender, patient)
    if clinic_id is None:
        raise PermissionDenied(staff_rule(), code="recipient_forbidden")
    return Target(patient, "desk", None, clinic_id, recipient,
                  _existing(patient.id, clinic_id=clinic_id))


def conversation_with_patient(sender, patient: Patient) -> Conversation | None:
    """The conversation `sender` (staff) writes to `patient` in, if it exists already: a
    doctor's own one, else their branch desk's (the one `_staff_target` would pick). None
    when there is none yet or the rule does not let them write to the patient."""
    if not may_write_to_patient(sender, patient):
        return None
    if sender.role == "doctor":
        return _existing(patient.id, doctor_user_id=sender.id)
    clinic_id = desk_branch_for(sender, patient)
    return _existing(patient.id, clinic_id=clinic_id) if clinic_id is not None else None


def target_for(sender, *, recipient_id=None, conversation_id=None) -> Target:
    """Where `sender`'s message goes: into `conversation_id` when given (a participant's;
    NotFound otherwise), else to the user `recipient_id` under the rule above.

    Raises ValidationFailed (recipient_id missing or malformed), PermissionDenied with the
    rule in Russian (code recipient_forbidden), NotFound (another's conversation).
    """
    if sender is None or not sender.is_active:
        raise PermissionDenied(_("Нужен вход"), code="not_authenticated")
    if conversation_id is not None:
        return in_conversation(sender, conversation_for(sender, conversation_id))
    recipient = _active_user(recipient_id_of(recipient_id))
    if is_patient_side(sender):
        return _patient_target(sender, recipient)
    if sender.role not in STAFF_ROLES:
        raise PermissionDenied(staff_rule(), code="recipient_forbidden")
    return _staff_target(sender, recipient)
