"""The frame of every staff page, as the server sends it (no JavaScript involved).

The sections are listed twice from one menu: the strip for wide screens and the «Меню»
panel for phones, a <details> that opens without JavaScript. app.js takes its words from
the page (#app-i18n), never from its own source.
"""
from __future__ import annotations

import json
import re

import pytest
from flask import url_for

from clinicapp.core.navigation import menu_for
from clinicapp.core.permissions import ROLE_PERMISSIONS
from clinicapp.web import landing_endpoint


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


def _between(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin:html.index(end, begin)]


@pytest.mark.parametrize("role", ["manager", "receptionist", "cashier", "doctor"])
def test_the_phone_menu_is_a_details_listing_every_section_of_the_role(app, client, web_as,
                                                                       role):
    web_as(role)
    html = client.get("/staff/").get_data(as_text=True)
    granted = ROLE_PERMISSIONS[role]
    with app.test_request_context():
        # One item per section (the cash desk and the invoices share one: core.navigation).
        shown = menu_for(app, lambda permission: permission is None or permission in granted)
        expected = [url_for(entry.endpoint) for entry in shown]
        # «Главная» is left out where `/` only leads to another entry (web._navigation).
        landing = landing_endpoint(role)
        if landing and any(entry.endpoint == landing for entry in shown):
            expected.remove("/")
    strip = _between(html, '<nav class="topnav-strip"', "</nav>")
    panel = _between(html, '<details class="nav-menu"', "</details>")
    assert _links(strip) == expected
    assert _links(panel) == expected
    assert re.search(r'<summary class="nav-menu-toggle" aria-controls="nav-menu-panel">', panel)
    assert 'id="nav-menu-panel"' in panel
    # The page being shown is marked in both lists.
    assert panel.count('aria-current="page"') == strip.count('aria-current="page"') == 1


def test_pages_without_a_session_have_no_menu(client):
    html = client.get("/login").get_data(as_text=True)
    assert "nav-menu" not in html and "topnav" not in html


def test_app_js_reads_its_words_from_the_page(client, web_as):
    web_as("doctor")
    html = client.get("/profile/").get_data(as_text=True)
    words = json.loads(re.search(
        r'<script type="application/json" id="app-i18n">(.*?)</script>', html).group(1))
    assert words == {"copied": "Скопировано", "copy_failed": "Не удалось скопировать"}
