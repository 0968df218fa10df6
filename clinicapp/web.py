"""Registration of every page blueprint, the API and the template helpers."""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from . import api
from .admin.views import bp as admin_bp
from .auth.profile import bp as profile_bp
from .auth.views import bp as auth_bp
from .catalog.views import bp as catalog_bp
from .core.permissions import has_permission
from .core.phones import display_phone
from .core.uploads import upload_dir
from .org.views import bp as org_bp
from .patients.views import bp as patients_bp
from .scheduling import actions, booking, hours_page, views  # noqa: F401 - routes on scheduling_bp
from .scheduling import bp as scheduling_bp
from .staff.views import bp as staff_bp
from .visits.views import bp as visits_bp

main = Blueprint("main", __name__)

# Navigation by role: (endpoint, label, permission).
NAVIGATION = (
    ("main.home", "Главная", None),
    ("scheduling.calendar", "Календарь", "calendar.view"),
    ("visits.today", "Сегодня", "calendar.view"),
    ("patients.index", "Пациенты", "patients.view"),
    ("staff.index", "Сотрудники", "staff.view"),
    ("catalog.index", "Услуги", "catalog.view"),
    ("org.settings", "Клиника", "org.view"),
    ("admin.users", "Пользователи", "users.view"),
)


@main.route("/")
@login_required
def home():
    return render_template("main/home.html")


@main.route("/uploads/<path:filename>")
def uploads(filename: str):
    """Logos and photos (public: the apps show them); re-encoded images only."""
    return send_from_directory(upload_dir(), filename, max_age=7 * 24 * 3600)


@main.route("/docs")
def docs():
    return redirect("/api/redoc")


def _template_context() -> dict:
    def allowed(permission: str | None) -> bool:
        return permission is None or has_permission(current_user, permission)

    navigation = [item for item in NAVIGATION if allowed(item[2])]
    return {"navigation": navigation, "can": allowed, "csrf_token": generate_csrf}


def register(app: Flask) -> None:
    for blueprint in (main, auth_bp, profile_bp, admin_bp, org_bp, staff_bp, patients_bp,
                      catalog_bp, scheduling_bp, visits_bp):
        app.register_blueprint(blueprint)
    api.register(app)
    app.context_processor(_template_context)
    app.add_template_filter(display_phone, "phone")
    from . import cli

    cli.register(app)
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: redirect(url_for("static", filename="img/favicon.svg")))
