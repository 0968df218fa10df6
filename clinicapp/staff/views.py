"""Staff pages: the list with filters, the employee form, system access."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
