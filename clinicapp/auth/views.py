"""Staff and patient sign-in pages: login, second step, enrolment, logout."""
from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import i18n
from ..core.actions import answer, perform, status_of
from ..core.forms import detail_under, form_status
from ..core.http import safe_local_url
from ..core.ratelimits import auth_limits
from ..extensions import db, login_manager
from . import enrolment, services
from .forms import EnrolForm, LoginForm, TotpForm
from .models import User

bp = Blueprint("auth", __name__)

PENDING = "pending_login"
PENDING_TTL_SECONDS = 300


@login_manager.user_loader
def _load_user(key: str) -> User | None:
    return services.load_web_session(key)


def _safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything else goes home."""
    return safe_local_url(target, url_for("main.home"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_TTL_SECONDS:
        session.pop(PENDING, None)
        return None
    return db.session.get(User, pending["user_id"])


def _open_session(user: User):
    """The writes of a sign-in (the last-login mark, the web session row); committed
    by the page action, the browser's session is set after (`_enter`)."""
    services.complete_login(user, channel="web")
    return services.open_web_session(user, request.remote_addr,
                                     request.headers.get("User-Agent"))


def _enter(user: User, web_session, remember: bool) -> None:
    session.pop(PENDING, None)
    user.session_key = web_session.key
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@auth_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    next_url = request.args.get("next")

    def sign_in():
        user = services.check_password(form.login.data, form.password.data)
        if user.totp_enabled or services.must_enrol_totp(user):
            return user, None  # a second step first: no session yet
        return user, _open_session(user)

    def signed_in(result):
        user, web_session = result
        if web_session is not None:
            _enter(user, web_session, form.remember.data)
            return redirect(_safe_next(next_url))
        enrolment.forget()
        session[PENDING] = {"user_id": user.id, "remember": form.remember.data,
                            "next": next_url, "at": time.time()}
        return redirect(url_for("auth.second_step" if user.totp_enabled else "auth.enrol"))

    # A refused sign-in keeps only its failure count (the error's bookkeeping).
    return perform(sign_in, form=form, show=detail_under("password"), on_success=signed_in,
                   on_refusal=lambda error: (render_template("auth/login.html", form=form),
                                             status_of(error)))


@bp.route("/login/2fa", methods=["GET", "POST"])
@auth_limits
def second_step():
    user = _pending_user()
    if user is None or not user.totp_enabled:
        flash(_("Сначала введите логин и пароль"), "info")
        return redirect(url_for("auth.login"))
    form = TotpForm()

    def check():
        services.check_second_factor(user, form.code.data)
        return _open_session(user)

    def signed_in(web_session):
        pending = session[PENDING]
        _enter(user, web_session, pending["remember"])
        return redirect(_safe_next(pending.get("next")))

    def refused(error):
        if error is not None and error.code == "account_locked":
            session.pop(PENDING, None)
            return answer(url_for("auth.login"), error.detail, "error")
        return render_template("auth/second_step.html", form=form), status_of(error)

    return perform(check, form=form, show=detail_under("code"), on_success=signed_in,
                   on_refusal=refused)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Forced enrolment (administrators) before the first session is granted."""
    user = _pending_user()
    if user is None or not services.must_enrol_totp(user):
        # Only a pending sign-in that must enrol may set a secret here: anyone
        # else would replace an existing second factor with the password alone.
        return redirect(url_for("auth.login"))
    form = EnrolForm()

    def enable():
        codes = services.enable_totp(user, enrolment.secret_for(user), form.code.data)
        return codes, _open_session(user)

    def enabled(result):
        codes, web_session = result
        enrolment.forget()
        _enter(user, web_session, session[PENDING]["remember"])
        # Shown once, in this response only: they are never stored in plain text.
        return render_template("auth/recovery_codes.html", codes=codes, first_time=True)

    return perform(enable, form=form, show=detail_under("code"), on_success=enabled,
                   on_refusal=lambda _error: enrolment.render_page(
                       user, form, url_for("auth.enrol"), form_status(form)))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    def signed_out(_result):
        # Clear first: logout_user() leaves the marker that deletes the remember cookie.
        session.clear()
        logout_user()
        return answer(url_for("auth.login"), _("Вы вышли из системы"), "info")

    return perform(lambda: services.end_web_session(current_user.get_id()),
                   on_success=signed_out)


@bp.route("/locale", methods=["POST"])
def set_locale():
    """The footer's language switch: remembered in the session, and on the profile of
    whoever is signed in, so it follows them to other browsers."""
    code = request.form.get("language", "")
    if code not in i18n.supported():
        abort(400)

    def choose():
        session["locale"] = code
        if current_user.is_authenticated:
            services.set_language(current_user, code)

    return perform(choose, on_success=lambda _: redirect(_safe_next(request.form.get("next"))))
