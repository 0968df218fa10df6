"""A consultation as document 004's create endpoints take it: the client, then its ticket."""
from __future__ import annotations

from ..core.errors import NotFound, ValidationFailed
from .clients import (
    CLIENT_NOT_FOUND,
    CLIENT_REQUIRED,
    Caller,
    own_client,
    readable_client,
    upsert_client,
)
from .models import Client, Ticket
from .tickets import create_ticket


def resolve_client(caller: Caller, client_data: dict | None, client_id) -> Client:
    """The ticket's client: upserted from `client_data`, else the one with `client_id`.

    A patient's ticket is always on their own client. Raises ValidationFailed
    (CLIENT_REQUIRED) with neither, NotFound("Client not found") for a client the caller
    may not use.
    """
    if client_data:
        data = dict(client_data)
        if client_id is not None and data.get("client_id") is None:
            data["client_id"] = client_id
        return upsert_client(caller, data)
    if client_id is None:
        raise ValidationFailed(CLIENT_REQUIRED, details={"client": [CLIENT_REQUIRED]})
    if caller.is_patient:
        client = own_client(caller)
        if client.client_id != client_id:
            raise NotFound(CLIENT_NOT_FOUND)
        return client
    return readable_client(caller, client_id=client_id)


def open_consultation(caller: Caller, client_data: dict | None, consultation: dict,
                      source: str | None) -> Ticket:
    """Resolve the client and create its ticket (tickets.create_ticket's rules).

    The consultation's `cl_ref_key` (the client's Ref_Key in 1С:ЦЛ) is kept on a client
    that has none yet.
    """
    client = resolve_client(caller, client_data, consultation.get("client_id"))
    if consultation.get("cl_ref_key") and not client.cl_ref_key:
        client.cl_ref_key = consultation["cl_ref_key"]
    return create_ticket(caller, client, consultation, source)
