"""JSON-lines logging to stdout: one line per request, every error with its traceback.

Never logs bodies, tokens or personal data: only method, path, status,
duration, user id and the request id.
"""
from __future__ import annotations

import logging
import sys
import time
import uuid

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
logger = logging.getLogger("clinicapp.request")


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Werkzeug's own access lines would duplicate ours.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    @app.before_request
    def _start_request():
        g.request_started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        valid = incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if valid else uuid.uuid4().hex

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        user = g.get("api_user") or _session_user()
        logger.info("request", extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": duration_ms, "user_id": getattr(user, "id", None),
            "request_id": g.get("request_id"),
        })
        return response


def _session_user():
    from flask_login import current_user

    try:
        return current_user if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - logging must never break a response
        return None


def log_exception(error: BaseException) -> None:
    logging.getLogger("clinicapp.error").error(
        "unhandled error", exc_info=error,
        extra={"path": request.path, "method": request.method,
               "request_id": g.get("request_id")})
