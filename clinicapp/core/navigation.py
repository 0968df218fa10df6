"""The main menu, assembled from what each feature adds in its init_app."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    order: int  # position in the menu, lowest first
    endpoint: str
    label: str  # lazy_gettext("…"): translated when the menu is drawn
    permission: str | None  # shown to those who hold it; None: to everyone signed in


MENU_KEY = "clinicapp.menu"


def add_menu_entry(app, order: int, endpoint: str, label: str,
                   permission: str | None = None) -> None:
    """Add a menu entry to `app`'s navigation (idempotent per endpoint)."""
    entries = app.extensions.setdefault(MENU_KEY, {})
    entries[endpoint] = MenuEntry(order, endpoint, label, permission)


def menu(app) -> list[MenuEntry]:
    return sorted(app.extensions.get(MENU_KEY, {}).values(), key=lambda entry: entry.order)
