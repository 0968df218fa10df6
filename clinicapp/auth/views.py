"""Staff and patient sign-in pages: login, second step, enrolment, logout."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.http import settle_failure
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
    """A local path to go to after sign-in; anything else goes home.

    Browsers read `\\` as `/` and drop tabs and newlines, so `/\\evil.com`
    would leave the site: such characters are refused outright.
    """
    if target and target.startswith("/") and not any(
            ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.home")


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_TTL_SECONDS:
        session.pop(PENDING, None)
        return None
    return db.session.get(User, pending["user_id"])


def _start_session(user: User, remember: bool) -> None:
    services.complete_login(user, channel="web")
    web_session = services.open_web_session(user, request.remote_addr,
                                            request.headers.get("User-Agent"))
    db.session.commit()
    session.pop(PENDING, None)
    user.session_key = web_session.key
    login_user(user, remember=remember)


def _finish_login(user: User, remember: bool, next_url: str | None):
    _start_session(user, remember)
    return redirect(_safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@auth_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            user = services.check_password(form.login.data, form.password.data)
        except DomainError as failure:
            error = settle_failure(failure)  # keeps the failure count, nothing else
            form.password.errors.append(error.detail)
            return render_template("auth/login.html", form=form), error.status_code
        if user.totp_enabled or services.must_enrol_totp(user):
            enrolment.forget()
            session[PENDING] = {"user_id": user.id, "remember": form.remember.data,
                                "next": next_url, "at": time.time()}
            db.session.commit()
            if user.totp_enabled:
                return redirect(url_for("auth.second_step"))
            return redirect(url_for("auth.enrol"))
        return _finish_login(user, form.remember.data, next_url)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/login/2fa", methods=["GET", "POST"])
@auth_limits
def second_step():
    user = _pending_user()
    if user is None or not user.totp_enabled:
        flash("Сначала введите логин и пароль", "info")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            services.check_second_factor(user, form.code.data)
        except DomainError as failure:
            error = settle_failure(failure)
            if error.code == "account_locked":
                session.pop(PENDING, None)
                flash(error.detail, "error")
                return redirect(url_for("auth.login"))
            form.code.errors.append(error.detail)
            return render_template("auth/second_step.html", form=form), error.status_code
        pending = session[PENDING]
        return _finish_login(user, pending["remember"], pending.get("next"))
    return render_template("auth/second_step.html", form=form), 400 if form.errors else 200


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Forced enrolment (administrators) before the first session is granted."""
    user = _pending_user()
    if user is None or not services.must_enrol_totp(user):
        # Only a pending sign-in that must enrol may set a secret here: anyone
        # else would replace an existing second factor with the password alone.
        return redirect(url_for("auth.login"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = services.enable_totp(user, enrolment.secret_for(user), form.code.data)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.detail)
            return enrolment.render_page(user, form, url_for("auth.enrol"), 400)
        enrolment.forget()
        _start_session(user, session[PENDING]["remember"])
        # Shown once, in this response only: they are never stored in plain text.
        return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
    return enrolment.render_page(user, form, url_for("auth.enrol"), 400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_web_session(current_user.get_id())
    db.session.commit()
    # Clear first: logout_user() leaves the marker that deletes the remember cookie.
    session.clear()
    logout_user()
    flash("Вы вышли из системы", "info")
    return redirect(url_for("auth.login"))


@bp.route("/locale/<code>", methods=["POST"])
def set_locale(code: str):
    if code not in ("ru", "en"):
        abort(404)
    session["locale"] = code
    return redirect(_safe_next(request.form.get("next")))
