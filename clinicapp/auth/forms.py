"""Sign-in, 2FA and profile forms (Flask-WTF, CSRF on every one)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..i18n import choices
from .models import ROLE_LABELS
from .passwords import MIN_PASSWORD_LENGTH

REQUIRED = _l("Обязательное поле")
TOO_SHORT = lazy_ngettext("Не короче %(num)d символа", "Не короче %(num)d символов",
                          MIN_PASSWORD_LENGTH)


class LoginForm(FlaskForm):
    login = StringField(_l("E-mail или логин"),
                        validators=[DataRequired(REQUIRED), Length(max=255)])
    password = PasswordField(_l("Пароль"), validators=[DataRequired(REQUIRED), Length(max=128)])
    remember = BooleanField(_l("Запомнить меня"))


class TotpForm(FlaskForm):
    code = StringField(_l("Код из приложения или код восстановления"),
                       validators=[DataRequired(REQUIRED), Length(max=20)])


class EnrolForm(FlaskForm):
    code = StringField(_l("Код из приложения"),
                       validators=[DataRequired(REQUIRED), Length(max=10)])


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(_l("Пароль"), validators=[DataRequired(REQUIRED)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Текущий пароль"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("Новый пароль"), validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD_LENGTH, max=128, message=TOO_SHORT)])
    confirm = PasswordField(_l("Повторите новый пароль"), validators=[
        DataRequired(REQUIRED), EqualTo("new_password", message=_l("Пароли не совпадают"))])


class LanguageForm(FlaskForm):
    """The interface language: one with a catalogue, or "" (the browser decides)."""

    language = RadioField(_l("Язык интерфейса"), default="",
                          invalid_choice_message=_l("Выберите язык из списка"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language by its own name, so a person who cannot read the current one
        # still finds theirs; the list follows the configured catalogues.
        self.language.choices = [SelectChoice("", _l("Как в браузере"))] + [
            SelectChoice(code, name) for code, name in choices()]


class UserEditForm(FlaskForm):
    """What an administrator may change on an existing account."""

    full_name = StringField(_l("ФИО"), validators=[DataRequired(REQUIRED), Length(max=255)])
    phone = StringField(_l("Телефон"), validators=[Optional(), Length(max=32)])
    role = SelectField(_l("Роль"), choices=[SelectChoice(code, label)
                                            for code, label in ROLE_LABELS.items()])
    branches = SelectMultipleField(_l("Филиалы"), coerce=int)
    password = PasswordField(_l("Новый пароль"), validators=[
        Optional(), Length(min=MIN_PASSWORD_LENGTH, max=128, message=TOO_SHORT)])
    is_active = BooleanField(_l("Активен"), default=True)


class UserCreateForm(UserEditForm):
    # The address is checked by the service (email-validator), which names the field.
    email = StringField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=255)])
    password = PasswordField(_l("Пароль"), description=TOO_SHORT, validators=[
        DataRequired(_l("Задайте пароль для новой учётной записи")),
        Length(min=MIN_PASSWORD_LENGTH, max=128, message=TOO_SHORT)])
