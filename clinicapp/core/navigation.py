"""The main menu, assembled from what each feature adds in its init_app."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class MenuEntry:
    order: int  # position in the menu, lowest first
    endpoint: str
    label: str  # lazy_gettext("…"): translated when the menu is drawn
    permission: str | None  # shown to those who hold it; None: to everyone signed in
    section: str | None = None  # entries of one section show as one menu item, tabs inside


MENU_KEY = "clinicapp.menu"


def add_menu_entry(app, order: int, endpoint: str, label: str,
                   permission: str | None = None, *, section: str | None = None) -> None:
    """Add a menu entry to `app`'s navigation (idempotent per endpoint).

    Entries of one `section` (the cash desk and the invoices, say) take one place in the
    menu: the first of them the person may open, by order; on their pages they are tabs
    (`components/section_tabs.html`). A long menu stays on one line.
    """
    entries = app.extensions.setdefault(MENU_KEY, {})
    entries[endpoint] = MenuEntry(order, endpoint, label, permission, section)
    if section is not None:
        add_section_tab(app, section, order, endpoint, label, permission)


def menu(app) -> list[MenuEntry]:
    return sorted(app.extensions.get(MENU_KEY, {}).values(), key=lambda entry: entry.order)


def menu_for(app, allowed: Callable[[str | None], bool]) -> list[MenuEntry]:
    """The menu as one person sees it: the entries `allowed(permission)` lets them open,
    each section as its first such entry."""
    shown, sections = [], set()
    for entry in menu(app):
        if not allowed(entry.permission) or entry.section in sections:
            continue
        if entry.section is not None:
            sections.add(entry.section)
        shown.append(entry)
    return shown


TABS_KEY = "clinicapp.section_tabs"


def add_section_tab(app, section: str, order: int, endpoint: str, label: str,
                    permission: str | None = None) -> None:
    """A page of a section shown as a tab on each of its pages (the clinic's
    settings, staff, services, users, outbox…): one menu entry for the section, tabs inside."""
    tabs = app.extensions.setdefault(TABS_KEY, {}).setdefault(section, {})
    tabs[endpoint] = MenuEntry(order, endpoint, label, permission)


def section_tabs(app, section: str) -> list[MenuEntry]:
    return sorted(app.extensions.get(TABS_KEY, {}).get(section, {}).values(),
                  key=lambda entry: entry.order)
