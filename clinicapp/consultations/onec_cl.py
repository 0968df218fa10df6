"""1С:ЦЛ (consultations) through 1C's standard OData REST interface.

`{ONEC_CL_BASE_URL}/odata/standard.odata/<object>?$format=json`, basic auth
(ONEC_CL_USERNAME, ONEC_CL_PASSWORD). A consultation is posted as a document; 1C answers
with its `Ref_Key` and `Number`, stored on the ticket as `cl_ref_key` and `number`. Our
cons_id travels in the document's CONS_ID_FIELD (a string attribute), and before posting
the document is looked up by it (`$filter=<field> eq '<cons_id>'`), so a retry after a
lost answer finds the first document instead of posting a second one. The
question directory is a catalog whose folders (`IsFolder`) are the categories and whose
items (`Parent_Key` → a folder) are the questions.

The names of 1C's objects and fields are configuration-specific: they are all here, in
OBJECTS and in `document_body`, and nowhere else (docs/consultations.md lists them).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timezone

from flask import current_app

from .targets import NotConfigured, NotReachable, call

TARGET = "1c-cl"
OBJECTS = {
    # The consultation request (a document) and the question catalog of 1С:ЦЛ.
    "consultation": "Document_ОбращениеКлиента",
    "questions": "Catalog_ВопросыОнлайнКонсультаций",
}
SETTINGS = ("ONEC_CL_BASE_URL", "ONEC_CL_USERNAME", "ONEC_CL_PASSWORD")
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
# The document's string attribute holding our cons_id; filtered on to find it again.
CONS_ID_FIELD = "ИдентификаторКонсультации"


def document_body(ticket) -> dict:
    """The consultation as 1С:ЦЛ's document: our keys and its own field names."""
    client = ticket.client

    def ref(value) -> str:
        return str(value) if value else EMPTY_REF

    def when(value) -> str | None:
        # 1C's OData dates have no zone: we send UTC. A datetime read from the database
        # comes in the session's zone, so it is converted, never just formatted.
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") if value else None

    body = {
        "Комментарий": ticket.comment,
        "Тема": ticket.topic or "",
        "Язык": ticket.lang,
        "ИННОрганизации": ticket.org_inn or client.org_inn or "",
        "Важность": ticket.importance or 0,
        "Источник": ticket.source,
        "КатегорияВопроса_Key": ref(ticket.online_question_cat),
        "Вопрос_Key": ref(ticket.online_question),
        CONS_ID_FIELD: str(ticket.cons_id),
        "ИдентификаторКлиента": str(client.client_id),
        "Email": client.email or "",
        "Телефон": client.phone_number or "",
    }
    if client.cl_ref_key:
        body["Контрагент_Key"] = client.cl_ref_key
    if ticket.scheduled_at:
        body["ДатаНачала"] = when(ticket.scheduled_at)
    return body


@dataclass(frozen=True)
class OnecCl:
    base_url: str
    username: str
    password: str

    def _call(self, method: str, name: str, **kwargs) -> dict:
        url = f"{self.base_url}/odata/standard.odata/{name}"
        params = {"$format": "json", **kwargs.pop("params", {})}
        return call(method, url, target=TARGET, auth=(self.username, self.password),
                    params=params, headers={"Accept": "application/json"}, **kwargs)

    def post_consultation(self, ticket) -> tuple[str, str | None]:
        """Create the consultation document: (Ref_Key, Number)."""
        answer = self._call("POST", OBJECTS["consultation"], json=document_body(ticket))
        if not answer.get("Ref_Key"):
            raise NotReachable("1c-cl: the answer has no Ref_Key")
        return answer["Ref_Key"], answer.get("Number")

    def find_consultation(self, cons_id) -> tuple[str, str | None] | None:
        """The (Ref_Key, Number) of the document already posted for `cons_id`, else None."""
        answer = self._call("GET", OBJECTS["consultation"], params={
            # A UUID's text has no quote to escape; str() keeps it so.
            "$filter": f"{CONS_ID_FIELD} eq '{uuid.UUID(str(cons_id))}'",
            "$select": "Ref_Key,Number", "$top": "1"})
        documents = answer.get("value")
        if not isinstance(documents, list):
            raise NotReachable("1c-cl: the document answer has no value list")
        for document in documents:
            if document.get("Ref_Key"):
                return document["Ref_Key"], document.get("Number")
        return None

    def question_catalog(self) -> list[dict]:
        """Every entry of the question catalog (folders and items)."""
        answer = self._call("GET", OBJECTS["questions"], params={
            "$select": "Ref_Key,Description,Parent_Key,IsFolder,DeletionMark"})
        entries = answer.get("value")
        if not isinstance(entries, list):
            raise NotReachable("1c-cl: the catalog answer has no value list")
        return entries


def client() -> OnecCl:
    """The client from the settings; NotConfigured while any of them is empty."""
    config = current_app.config
    missing = [name for name in SETTINGS if not config.get(name)]
    if missing:
        raise NotConfigured(", ".join(missing) + " unset")
    return OnecCl(config["ONEC_CL_BASE_URL"].rstrip("/"), config["ONEC_CL_USERNAME"],
                  config["ONEC_CL_PASSWORD"])
