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


TABS_KEY = "clinicapp.section_tabs"


def add_section_tab(app, section: str, order: int, endpoint: str, label: str,
                    permission: str | None = None) -> None:
    """A page of a section shown as a tab on each of its pages (the admin area's
    users, outbox, schedule, mail): one menu entry for the section, tabs inside."""
    tabs = app.extensions.setdefault(TABS_KEY, {}).setdefault(section, {})
    tabs[endpoint] = MenuEntry(order, endpoint, label, permission)


def section_tabs(app, section: str) -> list[MenuEntry]:
    return sorted(app.extensions.get(TABS_KEY, {}).get(section, {}).values(),
                  key=lambda entry: entry.order)
