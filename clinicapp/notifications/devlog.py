"""Development mode: messages kept as files under MAIL_DEV_DIR instead of being sent.

With no SMTP_URL an e-mail is written as an `.eml` file (open it in any mail client);
with no SMS_PROVIDER an SMS as a small `.sms.json` record. Nothing is lost, nothing
leaves the machine. The file name comes from the job's payload (the moment it was
queued and its message id), so a retried job rewrites its own file instead of adding
a copy. /admin/mail lists them (`recent`) and opens one (`read`).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import current_app

EMAIL_SUFFIX, SMS_SUFFIX = ".eml", ".sms.json"
# What a name we wrote looks like; anything else in the folder (or in a URL) is ignored.
NAME = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{32}(\.eml|\.sms\.json)$")
LISTED = 200  # the page shows the newest ones; older files stay on disk


@dataclass(frozen=True)
class DevMessage:
    name: str
    channel: str  # "email" | "sms"
    to: str
    subject: str
    text: str
    html: str | None
    queued_at: datetime | None
    written_at: datetime


def folder() -> Path:
    return Path(current_app.config["MAIL_DEV_DIR"])


def file_name(payload: dict, suffix: str) -> str:
    queued = datetime.fromisoformat(payload["queued_at"]).astimezone(UTC)
    return f"{queued:%Y%m%dT%H%M%S}-{payload['message_id']}{suffix}"


def _write(name: str, data: bytes) -> Path:
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    partial = path.with_name(path.name + ".part")  # never a half-written file in the list
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def write_email(message: EmailMessage, payload: dict) -> Path:
    return _write(file_name(payload, EMAIL_SUFFIX), message.as_bytes(policy=policy.SMTP))


def write_sms(payload: dict, sender: str) -> Path:
    record = {"to": payload["to"], "from": sender, "text": payload["text"],
              "queued_at": payload["queued_at"], "template": payload.get("template"),
              "language": payload.get("language")}
    return _write(file_name(payload, SMS_SUFFIX),
                  json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))


def recent(limit: int = LISTED) -> list[DevMessage]:
    """The newest messages first (by the moment they were written)."""
    if not folder().is_dir():
        return []
    paths = [p for p in folder().iterdir() if NAME.match(p.name)]
    paths.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    return [message for message in (_load(p) for p in paths[:limit]) if message is not None]


def read(name: str) -> DevMessage | None:
    """One message by its file name; None for a name we did not write or a missing file."""
    if not NAME.match(name or ""):
        return None
    path = folder() / name
    return _load(path) if path.is_file() else None


def _load(path: Path) -> DevMessage | None:
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        if path.name.endswith(EMAIL_SUFFIX):
            return _load_email(path, written)
        return _load_sms(path, written)
    except (OSError, ValueError, KeyError):
        return None  # removed meanwhile, or not ours after all: left out of the list


def _load_email(path: Path, written: datetime) -> DevMessage:
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    queued = message["Date"].datetime if message["Date"] else None
    return DevMessage(path.name, "email", str(message["To"] or ""), str(message["Subject"] or ""),
                      text.get_content() if text else "",
                      html.get_content() if html else None, queued, written)


def _load_sms(path: Path, written: datetime) -> DevMessage:
    record = json.loads(path.read_text("utf-8"))
    return DevMessage(path.name, "sms", record["to"], "", record["text"], None,
                      datetime.fromisoformat(record["queued_at"]), written)
