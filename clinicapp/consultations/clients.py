"""Clients of document 004: the upsert, the link to a patient, who may read which.

One identity: a client whose e-mail or phone matches a patient of the organization when
it is created carries that patient's `client_id` (and `patient_id`). A client created
unlinked keeps its own UUID for good (the id is stable; it never changes later).

The upsert looks a client up by `client_id`, then `client_id_hash`, then
e-mail + phone + INN; when none matches it inserts with `identity_key` (unique):
INSERT … ON CONFLICT DO NOTHING, then reads the row that won. Two requests racing with
the same data therefore end with one row, whichever commits first.

An OpenID subject lives in a namespace of its own: it finds only the clients it created
(`external_subject`), is never linked to a patient, and a new client of its is keyed
`sub:<digest of iss|sub>|<identity key>`, so the same e-mail posted by two subjects (or
by a subject and the staff) makes two clients, neither able to touch the other's.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.errors import Conflict, NotFound, ValidationFailed, field_error
from ..core.phones import InvalidPhone, normalize_phone
from ..extensions import db
from ..org.queries import organization_for
from ..patients.models import Patient
from ..patients.queries import patient_for_user as _patient_of
from .models import Client

CLIENT_NOT_FOUND = "Client not found"  # document 004's words, kept in English
CLIENT_REQUIRED = "Client data or client_id is required"  # likewise
# Fields a caller may set on a client (identity ones included).
FIELDS = ("email", "phone_number", "country", "region", "city", "org_inn", "org_id", "subs_id",
          "subs_start", "subs_end", "tariff_id", "tariffperiod_id", "cl_ref_key",
          "client_id_hash")
# What a patient may not change on their own client: it is their identity.
IDENTITY_FIELDS = ("email", "phone_number", "client_id_hash")
# The key space of the upsert's advisory locks (pg_advisory_xact_lock(space, hash of key)).
CLIENT_LOCK_SPACE = 0xC11E


@dataclass(frozen=True)
class Caller:
    """Who asks: a user of ours (staff or patient) or an OpenID subject (`iss|sub`)."""

    user: object | None = None
    subject: str | None = None

    @property
    def is_patient(self) -> bool:
        return self.user is not None and self.user.role == "patient"

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.role != "patient"


def normalize(data: dict) -> dict:
    """The client fields with e-mail lower-cased and the phone in E.164; blanks are None.

    Raises ValidationFailed naming `phone_number` for a number that is not one.
    """
    values = {key: data[key] for key in FIELDS if key in data}
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip() or None
    if values.get("email"):
        values["email"] = values["email"].lower()
    if values.get("phone_number"):
        try:
            values["phone_number"] = normalize_phone(values["phone_number"])
        except InvalidPhone as exc:
            raise field_error("phone_number", str(exc)) from exc
    return values


def contact_key(values: dict) -> str | None:
    """e-mail|phone|INN as stored (None when all three are empty)."""
    parts = [values.get(name) or "" for name in ("email", "phone_number", "org_inn")]
    return "contact:" + "|".join(parts) if any(parts) else None


def identity_key(values: dict, subject: str | None = None) -> str | None:
    """The unique key a new client is inserted under: its hash, else its contact; an
    OpenID subject's own keys are prefixed with a digest of the subject (its namespace)."""
    if values.get("client_id_hash"):
        key = "hash:" + values["client_id_hash"]
    else:
        key = contact_key(values)
    if key is None or subject is None:
        return key
    return f"sub:{hashlib.sha256(subject.encode()).hexdigest()[:32]}|{key}"


def _by_contact(values: dict, subject: str | None = None) -> Client | None:
    """The oldest client with this e-mail + phone + INN (NULL-safe); for an OpenID
    subject only among the clients it created."""
    if contact_key(values) is None:
        return None
    conditions = [getattr(Client, name).is_not_distinct_from(values.get(name))
                  for name in ("email", "phone_number", "org_inn")]
    if subject is not None:
        conditions.append(Client.external_subject == subject)
    return db.session.scalar(select(Client).where(*conditions).order_by(Client.id).limit(1))


def find_client(client_id=None, client_id_hash=None) -> Client | None:
    """The client with this UUID (or a patient's client_id) or this hash."""
    if client_id is not None:
        return db.session.scalar(select(Client).where(Client.client_id == client_id))
    if client_id_hash:
        return db.session.scalar(select(Client).where(Client.client_id_hash == client_id_hash))
    return None


def matching_patient(caller: Caller, values: dict) -> Patient | None:
    """The organization's patient with this e-mail (first) or phone, the oldest one.

    Only for our own users (staff): an OpenID caller is nobody we know, so its contact
    data never links it to a patient (None).
    """
    if caller.user is None:
        return None
    organization = organization_for(caller.user)
    if organization is None:
        return None
    for column, value in ((Patient.email, values.get("email")),
                          (Patient.phone, values.get("phone_number"))):
        if value:
            patient = db.session.scalar(select(Patient).where(
                Patient.organization_id == organization.id, column == value)
                .order_by(Patient.id).limit(1))
            if patient is not None:
                return patient
    return None


def _insert(values: dict, key: str | None, patient: Patient | None,
            subject: str | None = None) -> Client:
    """Insert a client, or read the one a concurrent request inserted first."""
    row = {**values, "identity_key": key, "external_subject": subject,
           "client_id": patient.client_id if patient is not None else uuid.uuid4(),
           "patient_id": patient.id if patient is not None else None}
    new_id = db.session.scalar(insert(Client).values(**row).on_conflict_do_nothing()
                               .returning(Client.id))
    if new_id is not None:
        return db.session.get(Client, new_id)
    # Lost a race (or the patient already has a client): the winner is committed by now.
    conditions = [Client.client_id == row["client_id"]]
    if key is not None:
        conditions.append(Client.identity_key == key)
    if values.get("client_id_hash"):
        conditions.append(Client.client_id_hash == values["client_id_hash"])
    winner = db.session.scalar(select(Client).where(or_(*conditions)).order_by(Client.id)
                               .limit(1).execution_options(populate_existing=True))
    if winner is None:  # the conflicting row went away meanwhile: a true conflict
        raise Conflict(_("Клиент изменён одновременно другим запросом, повторите"))
    return winner


def _apply(client: Client, values: dict) -> dict:
    """Set the given fields; return {field: [before, after]} of what changed."""
    changes = {}
    new_hash = values.get("client_id_hash")
    if new_hash and new_hash != client.client_id_hash:
        other = find_client(client_id_hash=new_hash)
        if other is not None and other.id != client.id:
            raise field_error("client_id_hash", _("Этот хеш уже у другого клиента"))
    for name, value in values.items():
        if value is None and name in IDENTITY_FIELDS:
            continue  # an omitted contact never erases the one we have
        before = getattr(client, name)
        if before != value:
            setattr(client, name, value)
            changes[name] = [str(before) if before is not None else None,
                             str(value) if value is not None else None]
    return changes


def _wait_for_same_identity(values: dict) -> None:
    """Take this transaction's advisory locks on the request's contact key and hash key
    (in one order, no deadlock): upserts sharing either run one after the other, so a
    request with the hash and one with only the contact of the same person cannot both
    insert (they would under different identity keys), and the later one finds the
    client the earlier one committed."""
    keys = {contact_key(values)}
    if values.get("client_id_hash"):
        keys.add("hash:" + values["client_id_hash"])
    for key in sorted(key for key in keys if key is not None):
        db.session.execute(select(func.pg_advisory_xact_lock(CLIENT_LOCK_SPACE,
                                                             func.hashtext(key))))


def _apply_in_savepoint(client: Client, values: dict) -> dict:
    """_apply and flush in a savepoint: a hash another request gave to another client
    meanwhile (the unique index) is a 409 naming `client_id_hash`, not a 500."""
    try:
        with db.session.begin_nested():
            changes = _apply(client, values)
            db.session.flush()
    except IntegrityError as exc:
        message = _("Этот хеш уже у другого клиента")
        raise Conflict(message, details={"client_id_hash": [message]}) from exc
    return changes


def may_read(caller: Caller, client: Client) -> bool:
    """Staff read every client; a patient their own; an OpenID subject those it created."""
    if caller.is_staff:
        return True
    if caller.is_patient:
        patient = _patient_of(caller.user)
        return patient is not None and client.patient_id == patient.id
    return caller.subject is not None and client.external_subject == caller.subject


def readable_client(caller: Caller, client_id=None, client_id_hash=None) -> Client:
    """The client the caller may read, else NotFound("Client not found") (also for others')."""
    client = find_client(client_id, client_id_hash)
    if client is None or not may_read(caller, client):
        raise NotFound(CLIENT_NOT_FOUND)
    return client


def own_client(caller: Caller) -> Client:
    """A patient's own client (its client_id is the patient's), created on first use.

    Raises NotFound when the account has no patient record.
    """
    patient = _patient_of(caller.user)
    if patient is None:
        raise NotFound(CLIENT_NOT_FOUND)
    client = db.session.scalar(select(Client).where(Client.patient_id == patient.id))
    if client is not None:
        return client
    values = {"email": patient.email, "phone_number": patient.phone}
    return _insert(values, f"patient:{patient.id}", patient)


def upsert_client(caller: Caller, data: dict) -> Client:
    """Create or update a client (document 004's rule), as `caller` may.

    Looks up by `client_id`, then `client_id_hash`, then e-mail + phone + INN; creates
    one otherwise (linked to a matching patient). A patient always gets their own client
    (identity fields are theirs; another `client_id` is NotFound). An OpenID subject
    works only among the clients it created (_subjects_client): someone else's
    `client_id` or hash is NotFound, someone else's contact makes a client of its own.
    Raises ValidationFailed for a bad phone or a hash taken by another client.
    """
    values = normalize(data)
    wanted_id = data.get("client_id")
    if caller.is_patient:
        client = own_client(caller)
        if wanted_id is not None and wanted_id != client.client_id:
            raise NotFound(CLIENT_NOT_FOUND)
        for name in IDENTITY_FIELDS:
            values.pop(name, None)
    elif caller.subject is not None:
        _wait_for_same_identity(values)
        client = _subjects_client(caller.subject, values, wanted_id)
    else:
        _wait_for_same_identity(values)
        client = _lookup_or_create(caller, values, wanted_id)
    changes = _apply_in_savepoint(client, values)
    if changes:
        record(caller.user, "consultation_client.saved", client, changes)
    return client


def _lookup_or_create(caller: Caller, values: dict, wanted_id) -> Client:
    client = find_client(client_id=wanted_id) if wanted_id is not None else None
    if client is None and wanted_id is not None:
        # A patient's client_id (document 003) whose client does not exist yet.
        patient = db.session.scalar(select(Patient).where(Patient.client_id == wanted_id))
        if patient is not None:
            client = db.session.scalar(select(Client).where(Client.patient_id == patient.id))
            if client is None:
                merged = {"email": patient.email, "phone_number": patient.phone, **{
                    k: v for k, v in values.items() if v is not None}}
                return _insert(merged, f"patient:{patient.id}", patient)
        elif not any(values.values()):
            raise NotFound(CLIENT_NOT_FOUND)
    if client is None:
        client = find_client(client_id_hash=values.get("client_id_hash"))
    if client is None:
        client = _by_contact(values)
    if client is None:
        patient = matching_patient(caller, values)
        if patient is not None:
            client = db.session.scalar(select(Client).where(Client.patient_id == patient.id))
        if client is None:
            if not any(values.get(name) for name in IDENTITY_FIELDS):
                # Nothing to know the client by again: every such request would be a new one.
                raise ValidationFailed(CLIENT_REQUIRED, details={"client": [CLIENT_REQUIRED]})
            client = _insert(values, identity_key(values), patient)
    return client


def _subjects_client(subject: str, values: dict, wanted_id) -> Client:
    """An OpenID subject's client: found only among those it created, else a new one of
    its own (never linked to a patient, never a client made by staff, a patient or
    another subject).

    A `client_id` or `client_id_hash` naming a client it did not create is NotFound
    (as for a client that does not exist: nothing tells them apart). A contact
    (e-mail + phone + INN) matching only others' clients is not theirs: the subject
    gets a client of its own under its own identity key.
    """
    if wanted_id is not None:
        client = find_client(client_id=wanted_id)
        if client is None or client.external_subject != subject:
            raise NotFound(CLIENT_NOT_FOUND)
        return client
    if values.get("client_id_hash"):
        client = find_client(client_id_hash=values["client_id_hash"])
        if client is not None:
            if client.external_subject != subject:
                raise NotFound(CLIENT_NOT_FOUND)
            return client
    client = _by_contact(values, subject)
    if client is not None:
        return client
    if not any(values.get(name) for name in IDENTITY_FIELDS):
        raise ValidationFailed(CLIENT_REQUIRED, details={"client": [CLIENT_REQUIRED]})
    client = _insert(values, identity_key(values, subject), None, subject)
    if client.external_subject != subject:  # lost a race to someone else's hash
        raise NotFound(CLIENT_NOT_FOUND)
    return client
