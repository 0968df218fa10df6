"""Clinic settings pages: the organization's requisites and its branches."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/settings")
