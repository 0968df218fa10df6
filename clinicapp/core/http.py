"""One place that turns errors into responses, and the security headers.

Under /api (and /ws) errors are JSON `{"detail", "error", "details"}` in Russian, the
API's language; pages get a friendly page in the site's layout, in the reader's
language. A stack trace never reaches a user.
Hostile input is refused before any view by core.input_guard (installed here).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db
from . import input_guard
from .error_shape import ERROR_CODES, HTTP_MESSAGES, N_, error_body
from .errors import DomainError, NotAuthenticated
from .htmx import wants_fragment
from .logs import log_exception

DOC_PAGES = ("/api/docs", "/api/redoc")
CSRF_MESSAGE = N_("Сессия устарела или форма отправлена повторно. Обновите страницу и "
                  "попробуйте снова.")


def safe_local_url(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback` (no open redirects).

    Browsers read `\\` as `/` and drop tabs and newlines, so `/\\evil.com`
    would leave the site: such characters are refused outright.
    """
    if target and target.startswith("/") and not any(
            ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return fallback


def wants_json() -> bool:
    return request.path.startswith(("/api", "/ws")) and not request.path.startswith("/api/docs")


def _json_error(status: int, detail: str, code: str, details: dict | None = None,
                headers: dict | None = None):
    return error_body(detail, code, details), status, headers or {}


def _status_words(status: int, fallback: str) -> str:
    """A status's words for a page, in the reader's language (the API keeps the Russian)."""
    words = HTTP_MESSAGES.get(status)
    return gettext(words) if words else fallback


def _page_error(status: int, detail: str):
    """The error page; for an htmx request only the message (it lands inside a page)."""
    template = "errors/_fragment.html" if wants_fragment() else "errors/error.html"
    return render_template(template, status=status, detail=detail), status


def handle_http_exception(error: HTTPException):
    """Every HTTPException, flask-smorest's validation aborts included."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    headers = dict(error.get_headers()) if status == 405 else {}
    headers.pop("Content-Type", None)
    data = getattr(error, "data", None) or {}
    details = data.get("errors") or data.get("messages") or {}
    details = _flatten_locations(details)
    detail = (data.get("message") or _details_summary(details)
              or HTTP_MESSAGES.get(status, error.name))
    headers.update(data.get("headers") or {})
    if wants_json():
        return _json_error(status, detail, ERROR_CODES.get(status, "error"), details, headers)
    response = _page_error(status, _status_words(status, error.name))
    return response[0], status, headers


def _flatten_locations(details: dict) -> dict:
    """webargs nests errors by location ({"json": {"email": [...]}}); keep the fields."""
    if set(details) <= {"json", "form", "query", "json_or_form", "headers", "files", "view_args"}:
        flat: dict = {}
        for value in details.values():
            if isinstance(value, dict):
                flat.update(value)
        return flat
    return details


def _details_summary(details: dict) -> str:
    if not details:
        return ""
    parts = []
    for field, messages in details.items():
        text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        parts.append(f"{field}: {text}")
    return "Неверные данные — " + ", ".join(parts)


def settle_failure(error: DomainError) -> DomainError:
    """Undo everything the request did; then keep only what the failure must leave behind.

    An error may carry `bookkeeping` (auth.errors.SignInError: the failure
    counter, a lockout, a revoked token family): it runs after the rollback in
    a transaction of its own, which is committed. It may raise the error to
    report instead (e.g. the failure that locked the account); that one is
    returned, else `error` itself.
    """
    db.session.rollback()
    bookkeeping = getattr(error, "bookkeeping", None)
    if bookkeeping is None:
        return error
    try:
        bookkeeping()
    except DomainError as outcome:
        error = outcome
    db.session.commit()
    return error


def handle_domain_error(error: DomainError):
    """A rule violation raised by a service: nothing of the request is kept."""
    error = settle_failure(error)
    if wants_json():
        return _json_error(error.status_code, error.detail, error.code, error.details)
    if isinstance(error, NotAuthenticated):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return _page_error(error.status_code, error.detail)


def handle_csrf_error(error: CSRFError):
    db.session.rollback()
    if wants_json():
        return _json_error(400, CSRF_MESSAGE, "csrf_failed")
    message = gettext(CSRF_MESSAGE)
    if wants_fragment():
        return message, 400
    return _page_error(400, message)


def handle_unexpected(error: Exception):
    log_exception(error)
    db.session.rollback()
    return handle_http_exception(InternalServerError())


def security_headers(response):
    """CSP without inline scripts, framing and referrer rules, HSTS behind HTTPS."""
    headers = response.headers
    # The API doc viewers inject <style> elements; scripts stay 'self' everywhere.
    style_src = "'self' 'unsafe-inline'" if request.path in DOC_PAGES else "'self'"
    headers.setdefault("Content-Security-Policy", (
        f"default-src 'self'; script-src 'self'; style-src {style_src}; "
        "img-src 'self' data: blob:; "
        "font-src 'self'; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(Exception, handle_unexpected)
    input_guard.init_app(app)
    app.after_request(security_headers)
