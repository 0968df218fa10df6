"""Reactions of the patients feature to other features' signals (ARCHITECTURE §11).

Connected in patients.init_app; the handlers run inside the sender's transaction.
"""
from __future__ import annotations

from . import services


def link_patient_record(sender, user, **extra) -> None:
    """A patient who registers gets a new patient record of their own at once."""
    services.link_registered_user(user)
