"""The JSON API for apps and partner systems (flask-smorest, OpenAPI 3)."""
from __future__ import annotations

from ..extensions import api, csrf
from . import auth, health
from .ratelimits import limit_api_blueprint

BLUEPRINTS = (health.blp, *auth.BLUEPRINTS)


def register(app) -> None:
    """Register every API blueprint on `api` (and so on the app)."""
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in BLUEPRINTS:
        limit_api_blueprint(blueprint)
        # Bearer tokens, never cookies: no cross-site request can carry them.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
