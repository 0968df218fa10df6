"""JSON API of the org feature (documents 001 and 002)."""
from __future__ import annotations

BLUEPRINTS: tuple = ()
