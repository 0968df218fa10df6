"""The home page, uploads, and what every page's template may use (the menu, `can`,
the CSRF token, the `phone` filter)."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from .core.navigation import add_menu_entry, menu
from .core.permissions import has_permission
from .core.phones import display_phone
from .core.uploads import upload_dir

main = Blueprint("main", __name__)


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

    # (endpoint, label, permission) of the entries the features added, for this user.
    navigation = [(entry.endpoint, entry.label, entry.permission)
                  for entry in menu(current_app) if allowed(entry.permission)]
    return {"navigation": navigation, "can": allowed, "csrf_token": generate_csrf}


def init_app(app: Flask) -> None:
    app.register_blueprint(main)
    app.context_processor(_template_context)
    app.add_template_filter(display_phone, "phone")
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: redirect(url_for("static", filename="img/favicon.svg")))
    add_menu_entry(app, 10, "main.home", "Главная")
