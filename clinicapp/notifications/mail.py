"""The e-mail channel: the outbox handler of `email.send`.

SMTP_URL says where to send: `smtp://user:pass@host:587?starttls=1` (plain, upgraded with
STARTTLS when asked), `smtps://user:pass@host:465` (TLS from the first byte); user and
password are URL-encoded. MAIL_FROM is the sender. Without SMTP_URL the message is written
to MAIL_DEV_DIR (devlog) instead: development never loses one.

The payload is the message already rendered in the recipient's language (services.notify):
`to`, `subject`, `text`, `html` (optional), `message_id`, `queued_at`.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from . import devlog
from .errors import DeliveryFailed, DeliveryRefused, mask_address

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
DEV_SENDER = "clinicapp@localhost"
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """SMTP_URL as its parts; ValueError for a scheme other than smtp/smtps or no host."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:587?starttls=1 "
                         "or smtps://user:pass@host:465")
    implicit = parts.scheme == "smtps"
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    return SmtpTarget(
        host=parts.hostname, port=parts.port or (465 if implicit else 25),
        implicit_tls=implicit, starttls=not implicit and query.get("starttls") in TRUE,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None)


def build_message(payload: dict, sender: str) -> EmailMessage:
    """The MIME message: a plain-text part, and the HTML alternative when there is one."""
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = payload["to"]
    except (ValueError, IndexError) as exc:  # the header parser's words for a broken address
        raise DeliveryRefused(f"unusable address {mask_address(payload.get('to'))} "
                              f"or MAIL_FROM: {exc.__class__.__name__}") from exc
    message["Subject"] = payload["subject"]
    message["Date"] = format_datetime(datetime.fromisoformat(payload["queued_at"]))
    domain = sender.rpartition("@")[2].strip(">") or "localhost"
    # One id per notification: a retried job sends the same Message-ID, so a mail client
    # that got the first attempt after all shows one letter, not two.
    message["Message-ID"] = f"<{payload['message_id']}@{domain}>"
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return message


def send_email(payload: dict) -> None:
    """The `email.send` handler: send through SMTP, or write the dev-mode file."""
    config = current_app.config
    if not config.get("SMTP_URL"):
        path = devlog.write_email(build_message(payload, config.get("MAIL_FROM") or DEV_SENDER),
                                  payload)
        log.info("e-mail to %s written to %s (SMTP_URL unset)", mask_address(payload["to"]),
                 path.name)
        return
    from ..outbox import NotConfigured

    if not config.get("MAIL_FROM"):
        raise NotConfigured("MAIL_FROM unset (SMTP_URL is set)")
    try:
        target = parse_smtp_url(config["SMTP_URL"])
    except ValueError as exc:
        raise NotConfigured(str(exc)) from exc
    message = build_message(payload, config["MAIL_FROM"])
    _deliver(target, message, payload["to"])
    log.info("e-mail to %s accepted by %s", mask_address(payload["to"]), target.host)


def _deliver(target: SmtpTarget, message: EmailMessage, to: str) -> None:
    """One SMTP conversation; every failure becomes DeliveryRefused or DeliveryFailed."""
    masked = mask_address(to)
    try:
        with _connect(target) as smtp:
            if target.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if target.username:
                smtp.login(target.username, target.password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _by_code(code, f"the SMTP server refused the recipient {masked}: "
                             f"{code} {_text(reply)}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryRefused(f"the SMTP server refused the login of SMTP_URL: "
                              f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise _by_code(exc.smtp_code, f"the SMTP server refused the sender MAIL_FROM: "
                                      f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryRefused(f"the SMTP server does not offer what SMTP_URL asks "
                              f"(STARTTLS or AUTH): {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _by_code(exc.smtp_code, f"the SMTP server answered {exc.smtp_code} "
                                      f"{_text(exc.smtp_error)} for {masked}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out, TLS failed
        raise DeliveryFailed(f"could not reach the SMTP server {target.host}:{target.port}: "
                             f"{exc.__class__.__name__}: {exc}") from exc


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    if target.implicit_tls:
        return smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT_SECONDS,
                                context=ssl.create_default_context())
    return smtplib.SMTP(target.host, target.port, timeout=TIMEOUT_SECONDS)


def _by_code(code: int, message: str) -> Exception:
    """5xx is SMTP's "never": refused; 4xx its "not now": failed, to be retried."""
    return DeliveryRefused(message) if 500 <= (code or 0) < 600 else DeliveryFailed(message)


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
