"""Price list pages: the category tree, the service form, xlsx import/export."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
