"""The JSON API for apps and partner systems (flask-smorest, OpenAPI 3)."""
from __future__ import annotations

from ..core.ratelimits import limit_api_blueprint
from ..extensions import api, csrf, db
from . import (
    appointments,
    auth,
    billing,
    calendar,
    catalog,
    chat,
    consultations,
    health,
    live,
    org,
    patients,
    payments,
    staff,
    visits,
)

# Rate-limited per client (document 000); health stays reachable for probes, Chatwoot's
# webhook for its bursts of events.
LIMITED = (*auth.BLUEPRINTS, *org.BLUEPRINTS, *staff.BLUEPRINTS, *patients.BLUEPRINTS,
           *catalog.BLUEPRINTS, *calendar.BLUEPRINTS, *appointments.BLUEPRINTS,
           *visits.BLUEPRINTS, *billing.BLUEPRINTS, *payments.BLUEPRINTS,
           *consultations.BLUEPRINTS, *chat.BLUEPRINTS)
BLUEPRINTS = (health.blp, *consultations.UNLIMITED, *LIMITED)


def _commit_on_success(response):
    """One transaction per request: a successful API call commits what its services flushed.

    Errors never get here with pending work: their handlers roll back first.
    """
    if response.status_code < 400:
        db.session.commit()
    return response


def init_app(app) -> None:
    """Register every API blueprint on `api` (and so on the app), and the live calendar."""
    for blueprint in BLUEPRINTS:
        if blueprint in LIMITED:
            limit_api_blueprint(blueprint)
        # Bearer tokens, never cookies: no cross-site request can carry them.
        csrf.exempt(blueprint)
        blueprint.after_request(_commit_on_success)
        api.register_blueprint(blueprint)
    live.connect(app)
