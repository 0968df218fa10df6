"""GET /api/health: the app can serve and reach its database."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db, limiter
from .base import ApiBlueprint

blp = ApiBlueprint("api_health", __name__, url_prefix="/api", tag="Состояние",
                   description="Готовность сервиса")


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "ok"})
    db = ma.fields.String(metadata={"example": "ok"})


@blp.route("/health", methods=["GET"])
@limiter.exempt
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="База данных недоступна")
def health():
    """Проверка готовности: 200, когда приложение и база данных отвечают."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "db": "unavailable"}, 503
    return {"status": "ok", "db": "ok"}
