"""Loopback stand-ins of Chatwoot's Application API, 1С:ЦЛ's OData interface and an
OpenID issuer, each a threaded http.server on 127.0.0.1 speaking the real protocol.

    with ChatwootStub() as chatwoot: …  chatwoot.base_url, .conversations, .messages
    with OnecClStub() as onec: …        onec.base_url, .documents, .catalog
    with OidcIssuer() as issuer: …      issuer.url, issuer.token(sub=…, aud=…)

`down = True` makes a stub answer 503 (the target is unreachable for the client).
`lose_answers.append((method, path_end))`: the next such request is carried out, then
the connection is dropped unanswered (the client cannot tell it worked: at-least-once).
"""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class _Stub:
    down = False

    def __enter__(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                stub.requests.append((method, path, body))
                if stub.down:
                    status, answer = 503, {"error": "down"}
                else:
                    status, answer = stub.handle(method, path, parse_qs(parts.query), body,
                                                 self.headers)
                lost = next((entry for entry in stub.lose_answers
                             if entry[0] == method and path.endswith(entry[1])), None)
                if lost is not None and status < 400:
                    stub.lose_answers.remove(lost)
                    self.close_connection = True  # done, but the client hears nothing
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, *args):
                pass

        self.requests = []
        self.lose_answers = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class ChatwootStub(_Stub):
    """Chatwoot's /api/v1/accounts/{id}/… with the `api_access_token` header."""

    def __init__(self, token="cw-token", account_id=3, inbox_id=7):
        self.token, self.account_id, self.inbox_id = token, account_id, inbox_id
        self.contacts, self.conversations, self.messages = [], [], []
        self.toggles = []  # (conversation id, status) of each toggle_status

    def handle(self, method, path, query, body, headers):
        if headers.get("api_access_token") != self.token:
            return 401, {"error": "You need to sign in or sign up before continuing."}
        prefix = f"/api/v1/accounts/{self.account_id}/"
        if not path.startswith(prefix):
            return 404, {"error": "not found"}
        rest = path[len(prefix):]
        if method == "GET" and rest == "contacts/search":
            q = query.get("q", [""])[0]
            # Chatwoot matches name, e-mail, phone and identifier (ours: exact ones only).
            found = [c for c in self.contacts
                     if q and q in (c["email"], c["phone_number"], c["identifier"])]
            return 200, {"meta": {"count": len(found)}, "payload": found}
        if method == "POST" and rest == "contacts":
            contact_id = len(self.contacts) + 1
            source_id = str(uuid.uuid4())
            contact = {"id": contact_id, "name": body["name"], "email": body.get("email"),
                       "phone_number": body.get("phone_number"),
                       "identifier": body.get("identifier"),
                       "contact_inboxes": [{"source_id": source_id,
                                            "inbox": {"id": body["inbox_id"]}}]}
            self.contacts.append(contact)
            return 200, {"payload": {"contact": contact, "contact_inbox": {
                "source_id": source_id, "inbox": {"id": body["inbox_id"]}}}}
        if method == "POST" and rest == "conversations":
            known = {ci["source_id"] for c in self.contacts for ci in c["contact_inboxes"]}
            if body.get("source_id") not in known or body.get("inbox_id") != self.inbox_id:
                return 422, {"error": "invalid source_id"}
            conversation = {"id": 100 + len(self.conversations) + 1, "status": "open",
                            "inbox_id": self.inbox_id, **body}
            self.conversations.append(conversation)
            return 200, conversation
        if method == "GET" and rest.startswith("contacts/") and rest.endswith("/conversations"):
            contact_id = int(rest.split("/")[1])
            if contact_id not in {c["id"] for c in self.contacts}:
                return 404, {"error": "contact not found"}
            return 200, {"payload": [c for c in self.conversations
                                     if c["contact_id"] == contact_id]}
        if method == "POST" and rest.startswith("conversations/") and \
                rest.endswith("/toggle_status"):
            conversation = self._conversation(rest)
            if conversation is None:
                return 404, {"error": "conversation not found"}
            if body.get("status") not in ("open", "resolved", "pending", "snoozed"):
                return 422, {"error": "invalid status"}
            conversation["status"] = body["status"]
            self.toggles.append((conversation["id"], body["status"]))
            return 200, {"meta": {}, "payload": {"success": True,
                                                 "current_status": body["status"],
                                                 "conversation_id": conversation["id"]}}
        if rest.startswith("conversations/") and rest.endswith("/messages"):
            conversation_id = int(rest.split("/")[1])
            if conversation_id not in {c["id"] for c in self.conversations}:
                return 404, {"error": "conversation not found"}
            if method == "GET":  # the latest messages, oldest first, as Chatwoot lists them
                listed = [m for m in self.messages if m["conversation_id"] == conversation_id]
                return 200, {"meta": {"contact": {}, "assignee": None, "labels": []},
                             "payload": listed[-20:]}
            message = {"id": 500 + len(self.messages) + 1, "conversation_id": conversation_id,
                       "content_attributes": {}, **body}
            self.messages.append(message)
            return 200, message
        return 404, {"error": "not found"}

    def _conversation(self, rest: str) -> dict | None:
        conversation_id = int(rest.split("/")[1])
        return next((c for c in self.conversations if c["id"] == conversation_id), None)


class OnecClStub(_Stub):
    """1C's standard OData: POST a document → Ref_Key and Number; GET documents with
`$filter=<field> eq '<text>'` (and `$select`, `$top`); GET a catalog."""

    def __init__(self, username="cl-user", password="cl-pass", catalog=()):
        self.username, self.password = username, password
        self.documents, self.catalog = [], list(catalog)

    def handle(self, method, path, query, body, headers):
        expected = "Basic " + base64.b64encode(
            f"{self.username}:{self.password}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"odata.error": {"code": "", "message": {"value": "auth"}}}
        if query.get("$format") != ["json"]:
            return 400, {"odata.error": {"message": {"value": "format"}}}
        prefix = "/odata/standard.odata/"
        name = path[len(prefix):] if path.startswith(prefix) else ""
        if method == "POST" and name.startswith("Document_"):
            number = f"{len(self.documents) + 522222:011d}"
            document = {"Ref_Key": str(uuid.uuid4()), "Number": number, **body}
            self.documents.append(document)
            return 201, document
        if method == "GET" and name.startswith("Document_"):
            return self._documents(query)
        if method == "GET" and name.startswith("Catalog_"):
            return 200, {"odata.metadata": "…", "value": self.catalog}
        return 404, {"odata.error": {"message": {"value": "not found"}}}

    def _documents(self, query):
        rows = self.documents
        if "$filter" in query:
            match = re.fullmatch(r"(\w+) eq '([^']*)'", query["$filter"][0])
            if match is None:
                return 400, {"odata.error": {"message": {"value": "filter not supported"}}}
            rows = [row for row in rows if str(row.get(match[1])) == match[2]]
        if "$top" in query:
            rows = rows[:int(query["$top"][0])]
        if "$select" in query:
            fields = query["$select"][0].split(",")
            rows = [{field: row.get(field) for field in fields} for row in rows]
        return 200, {"odata.metadata": "…", "value": rows}


class OidcIssuer(_Stub):
    """An OpenID issuer: its discovery document and JWKS; signs RS256 tokens."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"

    @property
    def url(self) -> str:
        return self.base_url

    jwks_down = False  # only the key set answers 503 (discovery still works)

    def handle(self, method, path, query, body, headers):
        if path == "/.well-known/openid-configuration":
            return 200, {"issuer": self.url, "jwks_uri": self.url + "/jwks"}
        if path == "/jwks" and self.jwks_down:
            return 503, {"error": "down"}
        if path == "/jwks":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return 200, {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        return 404, {}

    def token(self, *, sub="site-user-1", aud="clinic-api", issuer=None, expires_in=300,
              key=None, kid=None) -> str:
        now = int(time.time())
        claims = {"iss": issuer or self.url, "sub": sub, "aud": aud, "iat": now,
                  "exp": now + expires_in}
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})
