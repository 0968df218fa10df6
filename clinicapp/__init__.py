"""clinicapp: the web application of a network of private clinics."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import INSTANCE_DIR, Config
from .core.routing import IdConverter

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def _vendor_url(prefix: str, filename: str = "") -> str:
    """URL of a vendored asset folder (its version is in the folder name)."""
    matches = sorted((STATIC_DIR / "vendor").glob(f"{prefix}-*"))
    if not matches:
        raise RuntimeError(f"static/vendor/{prefix}-* is missing")
    return f"/static/vendor/{matches[-1].name}/{filename}"


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config → extensions → interface language → realtime → each feature
    (features.py) → platform CLI → HTTP error handling."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.config.from_mapping(Config().as_dict())
    app.config.update(
        OPENAPI_SWAGGER_UI_URL=_vendor_url("swagger-ui"),
        OPENAPI_REDOC_URL=_vendor_url("redoc", "redoc.standalone.js"),
        VENDOR_HTMX=_vendor_url("htmx", "htmx.min.js"),
        VENDOR_SOCKETIO=_vendor_url("socket.io", "socket.io.min.js"),
        VENDOR_INTERACT=_vendor_url("interactjs", "interact.min.js"),
        VENDOR_SORTABLE=_vendor_url("sortablejs", "Sortable.min.js"),
    )
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # Russian stays readable in JSON
    app.url_map.converters["int"] = IdConverter
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        raise RuntimeError("DATABASE_URL is not set (make run starts an embedded PostgreSQL)")
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from . import cli, extensions, features, i18n, models, realtime  # noqa: F401 - models
    from .core import after_commit, http, logs  # noqa: F401 - after_commit hooks the session

    logs.configure_logging(app)
    extensions.init_app(app)
    i18n.init_app(app)
    realtime.init_app(app)
    features.init_app(app)
    cli.init_app(app)
    http.init_app(app)
    return app
