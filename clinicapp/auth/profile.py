"""The signed-in person's profile: password, two-factor, interface language, active sessions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required

from ..core.actions import answer, perform, status_of
from ..core.errors import DomainError
from ..core.forms import detail_under, form_status
from ..org import clock
from . import enrolment, services, totp
from .forms import ChangePasswordForm, EnrolForm, LanguageForm, PasswordConfirmForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(status: int = 200, **forms):
    user = current_user._get_current_object()
    context = {
        "password_form": forms.get("password_form") or ChangePasswordForm(prefix="pw"),
        "disable_form": forms.get("disable_form") or PasswordConfirmForm(prefix="off"),
        "codes_form": PasswordConfirmForm(prefix="rc"),
        "language_form": forms.get("language_form") or LanguageForm(
            prefix="lang", data={"language": user.language or ""}),
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
    return perform(
        lambda: services.change_password(current_user, form.current_password.data,
                                         form.new_password.data,
                                         keep_session=current_user.get_id()),
        form=form, show=detail_under("current_password"),
        on_success=lambda _result: answer(
            url_for("profile.show"),
            _("Пароль изменён. Другие сеансы и приложения потребуют войти заново")),
        on_refusal=lambda _error: _page(form_status(form), password_form=form))


@bp.route("/2fa/enable", methods=["GET", "POST"])
@login_required
def enable_totp():
    if current_user.totp_enabled:
        flash(_("Двухфакторная аутентификация уже включена"), "info")
        return redirect(url_for("profile.show"))
    form = EnrolForm()

    def enabled(codes: list[str]):
        enrolment.forget()
        return render_template("auth/recovery_codes.html", codes=codes, first_time=False)

    return perform(
        lambda: services.enable_totp(current_user, enrolment.secret_for(current_user),
                                     form.code.data),
        form=form, show=detail_under("code"), on_success=enabled,
        on_refusal=lambda _error: enrolment.render_page(current_user, form,
                                                   url_for("profile.enable_totp"),
                                                   form_status(form)))


@bp.route("/2fa/disable", methods=["POST"])
@login_required
def disable_totp():
    form = PasswordConfirmForm(prefix="off")
    return perform(
        lambda: services.disable_totp(current_user, form.password.data),
        form=form, show=detail_under("password"),
        on_success=lambda _result: answer(url_for("profile.show"),
                                          _("Двухфакторная аутентификация выключена")),
        on_refusal=lambda error: _page(status_of(error), disable_form=form))


@bp.route("/2fa/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    form = PasswordConfirmForm(prefix="rc")

    def issue() -> list[str]:
        # The form is checked here, not by perform: an empty password is told as
        # «Введите пароль» in the same flash as any other refusal.
        if not form.validate_on_submit():
            raise DomainError(_("Введите пароль"))
        return services.regenerate_recovery_codes(current_user, form.password.data)

    return perform(
        issue,
        on_success=lambda codes: render_template("auth/recovery_codes.html", codes=codes,
                                                 first_time=False),
        on_refusal=lambda error: answer(url_for("profile.show"),
                                        _("Новые коды не выпущены: %(reason)s",
                                          reason=error.detail), "error"))


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: int):
    # A refusal (not one's own session) is the error page: nothing to re-show here.
    return perform(lambda: services.revoke_web_session(current_user, session_id),
                   on_success=lambda _result: answer(url_for("profile.show"),
                                                     _("Сеанс завершён")))


@bp.route("/language", methods=["POST"])
@login_required
def change_language():
    form = LanguageForm(prefix="lang")

    def saved(_result):
        # Said in the language just chosen: the locale of this request is chosen again.
        refresh_locale()
        return answer(url_for("profile.show") + "#language", _("Язык интерфейса сохранён"))

    return perform(
        lambda: services.set_language(current_user, form.language.data), form=form,
        on_success=saved,
        on_refusal=lambda _error: _page(form_status(form), language_form=form))
