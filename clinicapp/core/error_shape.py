"""The JSON error shape `{"detail", "error", "details"}` and the words of each status.

Kept free of Flask's extensions so the gunicorn worker (clinicapp.gunicorn_conf),
which answers some requests before the app sees them, speaks the same way. The words
are Russian, the API's language; they are marked with `N_` so that the catalogues hold
them and a page can show them translated (`gettext(HTTP_MESSAGES[status])`).
"""
from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "extract, do not translate"
    """Mark `message` for the catalogues; it stays as it is here (the API's Russian)."""
    return message


HTTP_MESSAGES = {
    400: N_("Неверный запрос"),
    401: N_("Требуется вход в систему"),
    403: N_("Недостаточно прав"),
    404: N_("Не найдено"),
    405: N_("Метод не поддерживается"),
    409: N_("Конфликт с текущим состоянием"),
    413: N_("Слишком большой запрос"),
    414: N_("Слишком длинный адрес запроса"),
    415: N_("Неподдерживаемый тип содержимого"),
    422: N_("Неверные данные"),
    429: N_("Слишком много запросов, попробуйте позже"),
    431: N_("Слишком большие заголовки запроса"),
    500: N_("Внутренняя ошибка сервера"),
    503: N_("Сервис временно недоступен"),
}
ERROR_CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 414: "uri_too_long",
    415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited",
    431: "headers_too_large", 500: "internal_error", 503: "unavailable",
}


def error_body(detail: str, code: str, details: dict | None = None) -> dict:
    return {"detail": detail, "error": code, "details": details or {}}
