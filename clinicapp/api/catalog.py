"""JSON API of the catalog feature (documents 001 and 002)."""
from __future__ import annotations

BLUEPRINTS: tuple = ()
