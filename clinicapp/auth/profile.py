"""The signed-in person's profile: password, two-factor, active sessions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..core.errors import DomainError
from ..extensions import db
from ..org import clock
from . import enrolment, services, totp
from .forms import ChangePasswordForm, EnrolForm, PasswordConfirmForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(status: int = 200, **forms):
    user = current_user._get_current_object()
    context = {
        "password_form": forms.get("password_form") or ChangePasswordForm(prefix="pw"),
        "disable_form": forms.get("disable_form") or PasswordConfirmForm(prefix="off"),
        "codes_form": PasswordConfirmForm(prefix="rc"),
        "sessions": services.active_sessions(user),
        "recovery_left": totp.remaining_recovery_codes(user) if user.totp_enabled else 0,
        "current_key": user.get_id(),
        # The person's own clock: their branches' zone, else the organization's.
        "zone": clock.person_zone(user),
    }
    return render_template("auth/profile.html", **context), status


@bp.route("/")
@login_required
def show():
    return _page()


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit():
        return _page(400, password_form=form)
    try:
        services.change_password(current_user, form.current_password.data,
                                 form.new_password.data, keep_session=current_user.get_id())
    except DomainError as error:
        db.session.rollback()
        form.current_password.errors.append(error.detail)
        return _page(400, password_form=form)
    db.session.commit()
    flash("Пароль изменён. Другие сеансы и приложения потребуют войти заново", "success")
    return redirect(url_for("profile.show"))


@bp.route("/2fa/enable", methods=["GET", "POST"])
@login_required
def enable_totp():
    if current_user.totp_enabled:
        flash("Двухфакторная аутентификация уже включена", "info")
        return redirect(url_for("profile.show"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = services.enable_totp(current_user, enrolment.secret_for(current_user),
                                         form.code.data)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.detail)
            return enrolment.render_page(current_user, form, url_for("profile.enable_totp"), 400)
        db.session.commit()
        enrolment.forget()
        return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
    return enrolment.render_page(current_user, form, url_for("profile.enable_totp"),
                                 400 if form.errors else 200)


@bp.route("/2fa/disable", methods=["POST"])
@login_required
def disable_totp():
    form = PasswordConfirmForm(prefix="off")
    if form.validate_on_submit():
        try:
            services.disable_totp(current_user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            form.password.errors.append(error.detail)
            return _page(error.status_code, disable_form=form)
        db.session.commit()
        flash("Двухфакторная аутентификация выключена", "success")
        return redirect(url_for("profile.show"))
    return _page(400, disable_form=form)


@bp.route("/2fa/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    form = PasswordConfirmForm(prefix="rc")
    try:
        if not form.validate_on_submit():
            raise DomainError("Введите пароль")
        codes = services.regenerate_recovery_codes(current_user, form.password.data)
    except DomainError as error:
        db.session.rollback()
        flash(f"Новые коды не выпущены: {error.detail}", "error")
        return redirect(url_for("profile.show"))
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, first_time=False)


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: int):
    services.revoke_web_session(current_user, session_id)
    db.session.commit()
    flash("Сеанс завершён", "success")
    return redirect(url_for("profile.show"))
