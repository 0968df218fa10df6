"""The JSON error shape `{"detail", "error", "details"}` and the words of each status.

Kept free of Flask's extensions so the gunicorn worker (clinicapp.gunicorn_conf),
which answers some requests before the app sees them, speaks the same way.
"""
from __future__ import annotations

HTTP_MESSAGES = {
    400: "Неверный запрос",
    401: "Требуется вход в систему",
    403: "Недостаточно прав",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт с текущим состоянием",
    413: "Слишком большой запрос",
    414: "Слишком длинный адрес запроса",
    415: "Неподдерживаемый тип содержимого",
    422: "Неверные данные",
    429: "Слишком много запросов, попробуйте позже",
    431: "Слишком большие заголовки запроса",
    500: "Внутренняя ошибка сервера",
    503: "Сервис временно недоступен",
}
ERROR_CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 414: "uri_too_long",
    415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited",
    431: "headers_too_large", 500: "internal_error", 503: "unavailable",
}


def error_body(detail: str, code: str, details: dict | None = None) -> dict:
    return {"detail": detail, "error": code, "details": details or {}}
