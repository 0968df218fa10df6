"""What the outbound clients (Chatwoot, 1С:ЦЛ) raise, and the HTTP call they share.

`NotConfigured`: the target's settings are empty — the outbox job waits without counting
an attempt. `NotReachable`: the target did not answer or refused — the job is retried.
"""
from __future__ import annotations

import requests
from flask import current_app

from ..outbox import NotConfigured  # noqa: F401 - re-exported for the clients


class NotReachable(RuntimeError):
    """The target did not answer, or answered with an error (the job is retried)."""


def call(method: str, url: str, *, target: str, **kwargs) -> dict:
    """One HTTP call with the configured timeout; the JSON answer, or NotReachable.

    The message names the target, the status and the path, never the payload (it may
    carry personal data and ends up in the outbox's last_error).
    """
    kwargs.setdefault("timeout", current_app.config["INTEGRATIONS_TIMEOUT"])
    try:
        response = requests.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise NotReachable(f"{target}: {type(exc).__name__}") from exc
    if response.status_code >= 400:
        path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        raise NotReachable(f"{target}: HTTP {response.status_code} on /{path}")
    try:
        return response.json() if response.content else {}
    except ValueError as exc:
        raise NotReachable(f"{target}: the answer is not JSON") from exc
