"""Demo patients: 200 people with RU, KZ and UZ phones (filled by the patients feature)."""
from __future__ import annotations


def seed(clinics: list) -> None:
    """Create the demo patients that are missing."""
