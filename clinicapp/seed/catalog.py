"""Demo price list: a category tree of about 60 services (filled by the catalog feature)."""
from __future__ import annotations


def seed(clinics: list, doctors: list) -> None:
    """Create the demo categories and services that are missing."""
