"""The OpenAPI 3 document of the JSON API, Swagger UI and ReDoc (issue 2, document 000).

The document must validate as OpenAPI 3 and list every route the app serves
under /api; the viewers must work in a clinic network without internet, so
they load only vendored files from this server.
"""
from __future__ import annotations

import re

import pytest

from .test_api_auth import LOGIN_PATHS, ME_PATHS

DOC_PAGES = ("/api/docs", "/api/redoc", "/api/openapi.json")
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _validate_openapi_3(document: dict) -> None:
    """Raise unless `document` is OpenAPI 3.0.

    openapi_spec_validator when installed; else the OpenAPI 3.0 meta-schema that
    schemathesis ships (a `make test` dependency); else structural checks only.
    """
    try:
        from openapi_spec_validator import validate
    except ImportError:
        try:
            from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR
        except ImportError:
            validate = _validate_structure
        else:
            validate = OPENAPI_30_VALIDATOR.validate
    validate(document)
    _validate_structure(document)


def _validate_structure(document: dict) -> None:
    if not str(document.get("openapi", "")).startswith("3."):
        raise ValueError("not OpenAPI 3")
    if not (document["info"]["title"] and document["info"]["version"]):
        raise ValueError("info.title and info.version are required")
    for path, item in document["paths"].items():
        if not path.startswith("/"):
            raise ValueError(f"path {path!r} must start with /")
        for method, operation in item.items():
            if method in HTTP_METHODS and not operation.get("responses"):
                raise ValueError(f"{method} {path} documents no responses")
    for ref in set(_refs(document)):
        _resolve(document, ref)


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(document: dict, ref: str):
    if not ref.startswith("#/"):
        raise ValueError(f"external reference {ref}")
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    _validate_openapi_3(document)


def test_the_openapi_check_is_not_vacuous(client):
    document = client.get("/api/openapi.json").get_json()
    broken = {**document, "paths": {**document["paths"], "/api/broken": {"get": {}}}}
    with pytest.raises(Exception):  # noqa: B017 - the validators raise different types
        _validate_openapi_3(broken)


def test_openapi_lists_every_api_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in HTTP_METHODS}
    served = set()
    for rule in app.url_map.iter_rules():
        if (not rule.rule.startswith("/api") or rule.rule in DOC_PAGES
                or rule.endpoint.endswith("static") or rule.websocket):
            continue  # the doc pages, static files and WebSockets are not the JSON API
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        served |= {(path, m.lower()) for m in rule.methods if m.lower() in HTTP_METHODS}
    assert served - documented == set(), "routes missing from the OpenAPI document"
    assert documented - served == set(), "documented paths nobody serves"
    for path in ("/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/me",
                 "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/users/me"):
        assert path in document["paths"]


def test_openapi_describes_the_auth_request_forms(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in LOGIN_PATHS:
        content = paths[path]["post"]["requestBody"]["content"]
        assert {"application/json", "application/x-www-form-urlencoded"} <= set(content)
    query = [p["name"] for p in paths["/api/auth/refresh"]["post"]["parameters"]
             if p["in"] == "query"]
    assert query == ["refresh_token"]
    for path in ME_PATHS:
        assert paths[path]["get"]["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize(("path", "title"), [("/api/docs", "Swagger UI"), ("/api/redoc", "ReDoc")])
def test_doc_pages_are_served_from_vendored_files(client, path, title):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert title in html
    assert "/static/vendor/" in html
    assert not re.search(r"(https?:)?//[a-z0-9]", html.replace("http://www.w3.org", ""), re.I), \
        "the doc page references an external host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset


def test_docs_redirects_to_redoc(client):
    response = client.get("/docs")
    assert response.status_code in (301, 302, 308)
    assert response.location.endswith("/api/redoc")
