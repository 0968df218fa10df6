"""JSON API of the staff feature (documents 001 and 002)."""
from __future__ import annotations

BLUEPRINTS: tuple = ()
