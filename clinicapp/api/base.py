"""What every JSON endpoint shares: the blueprint class, the error shape, auth."""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_smorest import Blueprint
from jwt import PyJWTError
from webargs.flaskparser import FlaskParser

from ..core.error_schema import ErrorSchema  # noqa: F401 - re-exported for endpoints
from ..core.errors import NotAuthenticated, PermissionDenied
from ..core.permissions import has_permission
from ..org.branches import HEADER as BRANCH_HEADER_NAME

BEARER = [{"bearerAuth": []}]


def bearer_documented(wrapper, func):
    """`wrapper` of endpoint `func`, documented in OpenAPI as needing a bearer token
    (keeping what flask-smorest already noted on `func`)."""
    wrapper._apidoc = getattr(func, "_apidoc", {})
    wrapper._apidoc.setdefault("manual_doc", {}).setdefault("security", BEARER)
    return wrapper


class ApiParser(FlaskParser):
    # The documents list 400 for bad data; webargs' default is 422.
    DEFAULT_VALIDATION_STATUS = 400


ERROR_DESCRIPTIONS = {
    400: "Неверные данные (поля названы в details)",
    401: "Нужен действительный токен доступа",
    403: "Недостаточно прав",
    404: "Не найдено",
    409: "Конфликт с текущим состоянием",
    429: "Слишком много запросов; см. заголовок Retry-After",
}


class ApiBlueprint(Blueprint):
    """flask-smorest blueprint with 400 on bad input and JSON-or-form bodies."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, *args, tag: str | None = None, errors: dict[int, str] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        # The group name readers see in Swagger UI and ReDoc.
        self.tag = tag or self.name
        self.error_descriptions = {**ERROR_DESCRIPTIONS, **(errors or {})}

    def errors(self, *codes: int):
        """Declare the error responses an endpoint gives (each with the error body)."""

        def decorator(func):
            for code in codes:
                func = self.alt_response(code, schema=ErrorSchema,
                                         description=self.error_descriptions[code])(func)
            return func

        return decorator

    def branch_header(self, description: str = "Филиал, о котором запрос"):
        """Declare the optional `X-Branch-Id` header of document 002 on an endpoint.

        Blank, not a number, or out of range: 400; another's branch: 403; unknown: 404.
        """
        return self.doc(parameters=[{
            "in": "header", "name": BRANCH_HEADER_NAME, "required": False,
            # A string of digits, as a header is text on the wire (and schemathesis's stateful
            # links put a bare int into an integer header, which its HTTP client rejects).
            "schema": {"type": "string", "pattern": r"^[1-9][0-9]{0,9}$",
                       "example": "1"},
            "description": description}])

    def route(self, rule, *, parameters=None, tags=None, **options):
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }

    def _prepare_arguments_doc(self, doc, doc_info, *, api, spec, **kwargs):
        # Document a json_or_form body under both content types.
        params = doc_info.get("arguments", {}).get("parameters", [])
        both = any(p.get("in") == "json_or_form" for p in params)
        doc = super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)
        if both:
            content = doc["requestBody"]["content"]
            content["application/x-www-form-urlencoded"] = content["application/json"]
        return doc


def require_auth(permission: str | None = None):
    """Accept a valid access token; optionally demand a permission.

    Sets `g.api_user`, so services and permission checks see the caller.
    """

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                verify_jwt_in_request()
                user = get_current_user()
            except (JWTExtendedException, PyJWTError) as exc:
                raise NotAuthenticated("Требуется действительный токен доступа") from exc
            g.api_user = user
            if permission and not has_permission(user, permission):
                raise PermissionDenied("Недостаточно прав для этого действия")
            return func(*args, **kwargs)

        return bearer_documented(wrapper, func)

    return decorator
