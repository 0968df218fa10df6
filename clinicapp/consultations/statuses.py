"""A ticket's statuses and the two tables between them and Chatwoot's: theirs onto ours
(the webhook) and ours onto theirs (a staff change, pushed through the outbox)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"new": _l("Новая"), "pending": _l("В очереди"), "closed": _l("Завершена"),
                 "other": _l("Другое обращение")}
STATUS_BADGES = {"new": "badge-danger", "pending": "badge-warning", "closed": "badge-success",
                 "other": "badge-muted"}
LANGUAGE_LABELS = {"ru": _l("Русский"), "uz": _l("Узбекский")}
SOURCE_LABELS = {"SITE": _l("Сайт"), "CABINET": _l("Кабинет"), "MOBILE": _l("Приложение"),
                 "STAFF": _l("Сотрудник")}

# Chatwoot's conversation status → ours. Anything not listed is "other".
CHATWOOT_STATUSES = {
    "open": "new",
    "pending": "pending",
    "resolved": "closed",
    "snoozed": "pending",
}


def from_chatwoot(status: str | None) -> str:
    """Our status for a Chatwoot conversation status (unknown or missing: "other")."""
    return CHATWOOT_STATUSES.get(status or "", "other")


# Ours → Chatwoot's conversation status, the reverse of the table above (kept next to it).
# Anything not listed (our "other") leaves the conversation open.
TO_CHATWOOT = {
    "new": "open",
    "pending": "pending",
    "closed": "resolved",
}


def to_chatwoot(status: str | None) -> str:
    """The Chatwoot conversation status showing our ticket status (unknown: "open")."""
    return TO_CHATWOOT.get(status or "", "open")
