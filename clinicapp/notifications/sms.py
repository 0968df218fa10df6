"""The SMS channel: the outbox handler of `sms.send`, and the providers behind it.

A provider is anything with `send(to, text) -> provider's message id` raising
DeliveryRefused or DeliveryFailed; `SMS_PROVIDER` picks one from PROVIDERS. Today that is
SMS.ru (`smsru`): `POST {SMS_BASE_URL}/sms/send` with `api_id`, `to`, `msg`, `json=1`
(and `from` = SMS_FROM when set), answered with JSON whose `status` is "OK" or "ERROR"
and whose `sms` holds a status per number. Without SMS_PROVIDER the message is written to
MAIL_DEV_DIR (devlog) instead.

The payload is the text already rendered in the recipient's language: `to` (E.164),
`text`, `message_id`, `queued_at`.
"""
from __future__ import annotations

import logging
from typing import Protocol

import requests
from flask import current_app

from . import devlog
from .errors import DeliveryFailed, DeliveryRefused, mask_address

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15
# SMS.ru's codes that mean "not now" (220: the service is temporarily unavailable;
# 500: its own error): worth another attempt. Every other error code is about the request
# itself (200 wrong api_id, 201 no money, 202 bad number, 204 sender not approved, 207
# this number cannot be served, …) and fails again until someone changes something.
SMSRU_TRANSIENT = {220, 500}


class SmsProvider(Protocol):
    def send(self, to: str, text: str) -> str:
        """Hand the message over; the provider's id of it. Raises DeliveryRefused or
        DeliveryFailed."""


class SmsRu:
    """The SMS.ru HTTP client (https://sms.ru/api/send)."""

    def __init__(self, *, api_id: str, base_url: str = "https://sms.ru", sender: str = ""):
        self.api_id, self.base_url, self.sender = api_id, base_url.rstrip("/"), sender

    @classmethod
    def from_config(cls, config) -> "SmsRu":
        from ..outbox import NotConfigured

        if not config.get("SMS_API_ID"):
            raise NotConfigured("SMS_API_ID unset (SMS_PROVIDER=smsru)")
        return cls(api_id=config["SMS_API_ID"], base_url=config["SMS_BASE_URL"],
                   sender=config.get("SMS_FROM") or "")

    def send(self, to: str, text: str) -> str:
        number = to.lstrip("+")  # SMS.ru writes numbers as digits: 79255070602
        form = {"api_id": self.api_id, "to": number, "msg": text, "json": "1"}
        if self.sender:
            form["from"] = self.sender
        answer = self._post("/sms/send", form)
        masked = mask_address(to)
        if answer.get("status") != "OK":
            raise self._error(answer, "SMS.ru refused the request")
        result = (answer.get("sms") or {}).get(number)
        if result is None:
            raise DeliveryFailed(f"SMS.ru did not report on {masked}")
        if result.get("status") != "OK":
            raise self._error(result, f"SMS.ru refused the number {masked}")
        return str(result.get("sms_id", ""))

    def _post(self, path: str, form: dict) -> dict:
        try:
            response = requests.post(self.base_url + path, data=form, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"could not reach SMS.ru at {self.base_url}: "
                                 f"{exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryFailed(f"SMS.ru answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise DeliveryRefused(f"SMS.ru answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise DeliveryFailed("SMS.ru answered something other than JSON") from exc

    @staticmethod
    def _error(answer: dict, what: str) -> Exception:
        code = answer.get("status_code")
        message = f"{what}: {code} {answer.get('status_text') or ''}".rstrip()
        return DeliveryFailed(message) if code in SMSRU_TRANSIENT else DeliveryRefused(message)


PROVIDERS = {"smsru": SmsRu.from_config}


def provider() -> SmsProvider | None:
    """The configured provider; None in development (SMS_PROVIDER unset)."""
    name = (current_app.config.get("SMS_PROVIDER") or "").strip().lower()
    if not name:
        return None
    if name not in PROVIDERS:
        from ..outbox import NotConfigured

        raise NotConfigured(f"SMS_PROVIDER {name!r} is not one of {sorted(PROVIDERS)}")
    return PROVIDERS[name](current_app.config)


def send_sms(payload: dict) -> None:
    """The `sms.send` handler: hand the text to the provider, or write the dev-mode record."""
    chosen = provider()
    if chosen is None:
        path = devlog.write_sms(payload, current_app.config.get("SMS_FROM") or "")
        log.info("SMS to %s written to %s (SMS_PROVIDER unset)", mask_address(payload["to"]),
                 path.name)
        return
    message_id = chosen.send(payload["to"], payload["text"])
    log.info("SMS to %s accepted by the provider as %s", mask_address(payload["to"]),
             message_id)
