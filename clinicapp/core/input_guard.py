"""Hostile input stops at the edge: one check of every request, before any view.

Each refusal is a 400 in the app's error shape (a DomainError, shaped by
core.http: JSON under /api, an error page or htmx fragment elsewhere) whose
details name the fields:
- a JSON body (any JSON content type, any method) that core.json_guard refuses:
  too deep, a lone surrogate, a NUL, a number Python will not convert;
- a query parameter whose bytes are not UTF-8, raw or percent-encoded;
- a NUL in the path, a query parameter or a form field (PostgreSQL cannot store
  one); in a form field or upload's file name also U+FFFD, all that werkzeug
  leaves of multipart bytes that were not UTF-8 (it decodes them with
  errors="replace"). Urlencoded bodies keep such bytes as the text «%ED%A0%80»
  (werkzeug re-quotes them), which stores and shows harmlessly.

A malformed JSON body is not refused here: the endpoint that reads it answers,
as before (a GET with a JSON content type and an empty body stays fine).
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, request

from . import json_guard
from .errors import DomainError

NOT_UTF8 = "Текст не в кодировке UTF-8 (или с символом замены U+FFFD)"


def _query_problems() -> dict[str, str]:
    """Query parameters whose bytes are not UTF-8.

    Werkzeug decodes a raw query string strictly (`request.args` would raise
    UnicodeDecodeError: a 500) and keeps percent-encoded invalid bytes as text.
    Both are refused; the query is then emptied so that the error page itself
    can read `request.args`.
    """
    raw = request.query_string
    try:
        unquote_to_bytes(raw).decode("utf-8")
        return {}
    except UnicodeDecodeError:
        pass
    problems = {}
    for pair in raw.split(b"&"):
        try:
            unquote_to_bytes(pair).decode("utf-8")
        except UnicodeDecodeError:
            name = unquote_to_bytes(pair.partition(b"=")[0])
            problems[name.decode("utf-8", "backslashreplace")] = NOT_UTF8
    request.query_string = b""
    return problems


def _field_problem(text: str) -> str | None:
    if "\ufffd" in text:
        return NOT_UTF8
    return json_guard.text_problem(text)  # a NUL (werkzeug leaves no surrogates)


def _form_problems() -> dict[str, str]:
    """The path, query parameters, form fields and uploads' file names."""
    problems = _query_problems()
    if "\x00" in request.path:
        problems["path"] = json_guard.NUL
    uploads = ((name, [upload.filename or ""]) for name, upload in request.files.items(multi=True))
    for name, values in (*request.args.lists(), *request.form.lists(), *uploads):
        message = next(filter(None, map(_field_problem, (name, *values))), None)
        if message is not None:
            problems[json_guard.printable(name)] = message
    return problems


def refuse_hostile_input() -> None:
    """before_request: raise a 400 naming the fields, or let the request through."""
    problems = _form_problems()
    if request.is_json:
        try:
            json_guard.loads(request.get_data(cache=True))
        except json_guard.HostileJSON as refused:
            problems.update(refused.problems)
        except ValueError:
            pass  # malformed: the endpoint's own parsing answers
    if problems:
        raise DomainError(json_guard.summary(problems), code="bad_request",
                          details={field: [message] for field, message in problems.items()})


def init_app(app: Flask) -> None:
    """Parse JSON through json_guard everywhere, and check every request."""
    provider = json_guard.GuardedJSONProvider(app)
    # create_app may have tuned the provider it made (ensure_ascii): keep that.
    for setting in ("ensure_ascii", "sort_keys", "compact", "mimetype"):
        setattr(provider, setting, getattr(app.json, setting))
    app.json = provider
    app.before_request(refuse_hostile_input)
