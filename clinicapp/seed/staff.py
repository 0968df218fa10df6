"""Demo staff: 12 doctors with photos and working branches (filled by the staff feature)."""
from __future__ import annotations


def seed(clinics: list) -> list:
    """Create the demo doctors that are missing; return all demo doctors."""
    return []
