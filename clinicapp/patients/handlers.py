"""Reactions of the patients feature to other features' signals (ARCHITECTURE §11).

Imported once by create_app; the handlers run inside the sender's transaction.
"""
from __future__ import annotations

from ..core.signals import user_registered
from . import services


@user_registered.connect
def link_patient_record(sender, user, **extra) -> None:
    """A patient who registers gets a new patient record of their own at once."""
    services.link_registered_user(user)
