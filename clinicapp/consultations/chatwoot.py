"""Chatwoot's Application API, as the consultations sync uses it.

The contact is found (`GET …/contacts/search?q=`: our client_id as its identifier, then
e-mail, then phone) or created (`POST …/contacts` with our inbox), its contact inbox gives
the `source_id`, and the conversation is created with it (`POST …/conversations`), carrying
the ticket's `cons_id` in its custom and additional attributes, so a retry finds it among
the contact's conversations (`GET …/contacts/{id}/conversations`) instead of opening a
second one. A staff answer is an outgoing message (`POST …/conversations/{id}/messages`)
marked with our event id in its `content_attributes`, looked for first among the
conversation's messages (`GET …/conversations/{id}/messages`) so a retry never posts it
twice;
a staff status change toggles the conversation's status
(`POST …/conversations/{id}/toggle_status`). Header `api_access_token`. Settings
CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN, CHATWOOT_ACCOUNT_ID, CHATWOOT_INBOX_ID.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .targets import NotConfigured, NotReachable, call

TARGET = "chatwoot"
SETTINGS = ("CHATWOOT_BASE_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_ACCOUNT_ID",
            "CHATWOOT_INBOX_ID")
CONS_ID = "cons_id"  # the attribute naming our ticket on its conversation
MESSAGE_MARK = "event_id"  # the content attribute naming our answer on its message


@dataclass(frozen=True)
class Chatwoot:
    base_url: str
    token: str
    account_id: str
    inbox_id: int

    def _url(self, path: str) -> str:
        return f"{self.base_url}/api/v1/accounts/{self.account_id}/{path}"

    def _call(self, method: str, path: str, **kwargs) -> dict:
        return call(method, self._url(path), target=TARGET,
                    headers={"api_access_token": self.token}, **kwargs)

    def search_contact(self, query: str) -> dict | None:
        """The first contact whose identifier, e-mail or phone is exactly `query`, else None."""
        answer = self._call("GET", "contacts/search", params={"q": query})
        for contact in answer.get("payload") or []:
            if query in (contact.get("identifier"), contact.get("email"),
                         contact.get("phone_number")):
                return contact
        return None

    def find_conversation(self, contact_id: int, cons_id: str) -> int | None:
        """The id of the contact's conversation carrying `cons_id` (created by an earlier
        attempt whose answer or commit was lost), else None."""
        answer = self._call("GET", f"contacts/{contact_id}/conversations")
        for conversation in answer.get("payload") or []:
            marks = {(conversation.get(name) or {}).get(CONS_ID)
                     for name in ("custom_attributes", "additional_attributes")}
            if cons_id in marks and isinstance(conversation.get("id"), int):
                return conversation["id"]
        return None

    def create_contact(self, *, name: str, email: str | None, phone: str | None,
                       identifier: str) -> tuple[dict, str | None]:
        """A new contact in our inbox: (contact, its source_id there)."""
        body = {"inbox_id": self.inbox_id, "name": name, "identifier": identifier}
        if email:
            body["email"] = email
        if phone:
            body["phone_number"] = phone
        answer = self._call("POST", "contacts", json=body)
        payload = answer.get("payload", answer)
        contact = payload.get("contact", payload)
        inbox = payload.get("contact_inbox") or {}
        return contact, inbox.get("source_id")

    def source_id(self, contact: dict) -> str:
        """The contact's source_id in our inbox, creating the contact inbox when missing."""
        for contact_inbox in contact.get("contact_inboxes") or []:
            if (contact_inbox.get("inbox") or {}).get("id") == self.inbox_id:
                return contact_inbox["source_id"]
        answer = self._call("POST", f"contacts/{contact['id']}/contact_inboxes",
                            json={"inbox_id": self.inbox_id})
        if not answer.get("source_id"):
            raise NotReachable("chatwoot: no source_id for the contact inbox")
        return answer["source_id"]

    def create_conversation(self, *, source_id: str, contact_id: int, message: str,
                            cons_id: str, attributes: dict) -> int:
        """A new open conversation in our inbox, opened by the client's question: its id.

        `cons_id` goes into both attribute sets: custom attributes are what agents see,
        additional ones are kept even where no custom attribute is defined for it.
        """
        answer = self._call("POST", "conversations", json={
            "source_id": source_id, "inbox_id": self.inbox_id, "contact_id": contact_id,
            "status": "open", "message": {"content": message},
            "custom_attributes": {CONS_ID: cons_id, **attributes},
            "additional_attributes": {CONS_ID: cons_id}})
        if not isinstance(answer.get("id"), int):
            raise NotReachable("chatwoot: the conversation has no id")
        return answer["id"]

    def create_message(self, conversation_id: int, content: str, *, mark: str) -> int | None:
        """An outgoing (agent's) public message in the conversation: its id.

        `mark` goes into its `content_attributes` (MESSAGE_MARK), so a retry after a lost
        answer finds it (find_message) instead of posting it twice.
        """
        answer = self._call("POST", f"conversations/{conversation_id}/messages", json={
            "content": content, "message_type": "outgoing", "private": False,
            "content_attributes": {MESSAGE_MARK: mark}})
        return answer.get("id")

    def find_message(self, conversation_id: int, mark: str) -> int | None:
        """The id of the message carrying `mark` among the conversation's latest ones
        (`GET …/conversations/{id}/messages`: Chatwoot lists the latest 20), else None."""
        answer = self._call("GET", f"conversations/{conversation_id}/messages")
        for message in answer.get("payload") or []:
            attributes = message.get("content_attributes")
            if isinstance(attributes, dict) and attributes.get(MESSAGE_MARK) == mark:
                return message.get("id") if isinstance(message.get("id"), int) else 0
        return None

    def toggle_status(self, conversation_id: int, status: str) -> None:
        """Set the conversation's status (open, pending, resolved)."""
        self._call("POST", f"conversations/{conversation_id}/toggle_status",
                   json={"status": status})


def configured() -> bool:
    """Whether the Chatwoot settings are all there (a queued job would be sent now)."""
    try:
        client()
    except NotConfigured:
        return False
    return True


def client() -> Chatwoot:
    """The client from the settings; NotConfigured while any of them is empty."""
    config = current_app.config
    missing = [name for name in SETTINGS if not config.get(name)]
    if missing:
        raise NotConfigured(", ".join(missing) + " unset")
    try:
        inbox_id = int(config["CHATWOOT_INBOX_ID"])
    except ValueError as exc:
        raise NotConfigured("CHATWOOT_INBOX_ID is not a number") from exc
    return Chatwoot(config["CHATWOOT_BASE_URL"].rstrip("/"), config["CHATWOOT_API_TOKEN"],
                    str(config["CHATWOOT_ACCOUNT_ID"]), inbox_id)
