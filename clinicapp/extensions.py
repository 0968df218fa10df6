"""Flask extensions, created once and bound to the app in create_app()."""
from __future__ import annotations

from flask_babel import Babel
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sock import Sock
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .core.error_schema import ErrorSchema
from .core.htmx import ClinicHtmx

# Stable constraint names, so that migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ClinicSession(FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit `bind` (a Connection) wins.

    Flask-SQLAlchemy 3.1 always routes to its engines; the tests bind the
    session to a connection inside an outer transaction that they roll back.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": ClinicSession})
migrate = Migrate(compare_type=True, render_as_batch=False)
login_manager = LoginManager()
csrf = CSRFProtect()
jwt = JWTManager()
socketio = SocketIO()
sock = Sock()
# Each limit names its own key (see core/ratelimits.py); the address is the fallback.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
# request.htmx, and Vary: HX-Request on the answers that depend on it (core/htmx.py).
htmx = ClinicHtmx()


class ClinicApi(Api):
    # Documents our error body instead of flask-smorest's default one.
    ERROR_SCHEMA = ErrorSchema

    def register_blueprint(self, blp, *, parameters=None, **options):
        super().register_blueprint(blp, parameters=parameters, **options)
        # flask-smorest names the doc group after the blueprint; use its readable tag.
        tag = getattr(blp, "tag", None)
        for entry in self.spec._tags:
            if tag and entry["name"] == options.get("name", blp.name):
                entry["name"] = tag


api = ClinicApi()
babel = Babel()
cors = CORS()



def init_app(app) -> None:
    """Bind every extension to `app`."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    api.init_app(app)
    cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
                  expose_headers=["X-Request-ID", "X-Total-Count", "Retry-After"],
                  supports_credentials=False)
    sock.init_app(app)
    socketio.init_app(app, async_mode="threading",
                      message_queue=app.config["REDIS_URL"] or None,
                      # None = same origin only; [] would switch the origin check off.
                      cors_allowed_origins=app.config["CORS_ORIGINS"] or None,
                      logger=False, engineio_logger=False)


def _select_locale() -> str:
    from flask import has_request_context, session

    if not has_request_context():
        return "ru"  # CLI commands, jobs, services called outside a request
    # Russian unless the person chose otherwise with the language switch.
    chosen = session.get("locale")
    return chosen if chosen in ("ru", "en") else "ru"


__all__ = [
    "api", "babel", "cors", "csrf", "db", "htmx", "jwt", "limiter",
    "login_manager", "migrate", "sock", "socketio",
]
