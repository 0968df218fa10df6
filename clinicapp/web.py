"""The home page, uploads, and what every page's template may use (the menu, `can`,
the CSRF token, the `phone` filter).

`/` is where each role's day starts: a feature names a role's landing page with
`add_landing(app, role, endpoint)` (the front desk's «Сегодня», a doctor's calendar, the
managers' summary) and `/` redirects there. A role without a landing gets the home page,
which says what this person can do here: their menu and their profile.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from .core.navigation import add_menu_entry, menu_for, section_tabs
from .core.permissions import has_permission
from .core.phones import display_phone
from .core.uploads import upload_dir

main = Blueprint("main", __name__)
LANDINGS_KEY = "clinicapp.landings"
# What each menu section is for, as the home page tells it (those without one show their
# name alone). The home page is for the roles without a landing: they look, not manage.
SECTION_TASKS = {
    "scheduling.calendar": _l("расписание врачей и записи пациентов ваших филиалов"),
    "visits.today": _l("кто сегодня пришёл, кто ждёт приёма и кто уже принят"),
    "patients.index": _l("найти пациента по имени, телефону или дате рождения"),
    "staff.index": _l("сотрудники и врачи ваших филиалов"),
    "catalog.index": _l("услуги клиники и цены"),
    "org.settings": _l("реквизиты клиники и адреса филиалов"),
    "admin.users": _l("учётные записи сотрудников"),
}


def add_landing(app: Flask, role: str, endpoint: str) -> None:
    """Make `endpoint` (a page without parameters) where `role` lands after signing in."""
    app.extensions.setdefault(LANDINGS_KEY, {})[role] = endpoint


def landing_endpoint(role: str) -> str | None:
    """The endpoint `/` sends this role to; None: the home page itself."""
    return current_app.extensions.get(LANDINGS_KEY, {}).get(role)


@main.route("/")
@login_required
def home():
    """Where the day starts: the role's landing page, else the home page."""
    endpoint = landing_endpoint(current_user.role)
    if endpoint is not None:
        return redirect(url_for(endpoint))
    sections = [(endpoint, label, SECTION_TASKS.get(endpoint))
                for endpoint, label, _permission, _current in _navigation()
                if endpoint != "main.home"]
    return render_template("main/home.html", sections=sections)


@main.route("/uploads/<path:filename>")
def uploads(filename: str):
    """Logos and photos (public: the apps show them); re-encoded images only."""
    return send_from_directory(upload_dir(), filename, max_age=7 * 24 * 3600)


@main.route("/docs")
def docs():
    return redirect("/api/redoc")


def _allowed(permission: str | None) -> bool:
    return permission is None or has_permission(current_user, permission)


def _navigation() -> list[tuple]:
    """(endpoint, label, permission) of the menu entries the features added, for this user.

    «Главная» is left out where it would only lead to another entry of the menu (the
    desk's «Сегодня», the calendar): one section, one entry.
    """
    navigation = [(entry.endpoint, entry.label, entry.permission, _is_current(entry))
                  for entry in menu_for(current_app, _allowed)]
    landing = landing_endpoint(current_user.role) if current_user.is_authenticated else None
    if any(item[0] == landing for item in navigation):
        navigation = [item for item in navigation if item[0] != "main.home"]
    return navigation


def _is_current(entry) -> bool:
    """The menu item of the page shown: its own page, or any page of its section."""
    if request.endpoint == entry.endpoint:
        return True
    return entry.section is not None and request.endpoint in {
        tab.endpoint for tab in section_tabs(current_app, entry.section)}


def _tabs(section: str) -> list[tuple]:
    """(entry, current) of the tabs of `section` this user may open (templates:
    `section_tabs('clinic')`). The current tab is the page's own; on a page that is no tab
    (an invoice, a message), the first tab of the page's blueprint."""
    entries = [entry for entry in section_tabs(current_app, section) if _allowed(entry.permission)]
    current = next((entry for entry in entries if entry.endpoint == request.endpoint), None) \
        or next((entry for entry in entries
                 if entry.endpoint.split(".")[0] == request.blueprint), None)
    return [(entry, entry is current) for entry in entries]


def _template_context() -> dict:
    return {"navigation": _navigation(), "can": _allowed, "csrf_token": generate_csrf,
            "section_tabs": _tabs}


def init_app(app: Flask) -> None:
    app.register_blueprint(main)
    app.context_processor(_template_context)
    app.add_template_filter(display_phone, "phone")
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: redirect(url_for("static", filename="img/favicon.svg")))
    add_menu_entry(app, 10, "main.home", _l("Главная"))
