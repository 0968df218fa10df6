"""Sign-in, 2FA and profile forms (Flask-WTF, CSRF on every one)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .models import ROLE_LABELS
from .passwords import MIN_PASSWORD_LENGTH

REQUIRED = "Обязательное поле"


class LoginForm(FlaskForm):
    login = StringField("E-mail или логин", validators=[DataRequired(REQUIRED), Length(max=255)])
    password = PasswordField("Пароль", validators=[DataRequired(REQUIRED), Length(max=128)])
    remember = BooleanField("Запомнить меня")


class TotpForm(FlaskForm):
    code = StringField("Код из приложения или код восстановления",
                       validators=[DataRequired(REQUIRED), Length(max=20)])


class EnrolForm(FlaskForm):
    code = StringField("Код из приложения", validators=[DataRequired(REQUIRED), Length(max=10)])


class PasswordConfirmForm(FlaskForm):
    password = PasswordField("Пароль", validators=[DataRequired(REQUIRED)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Текущий пароль", validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("Новый пароль", validators=[
        DataRequired(REQUIRED),
        Length(min=MIN_PASSWORD_LENGTH, max=128,
               message=f"Не короче {MIN_PASSWORD_LENGTH} символов")])
    confirm = PasswordField("Повторите новый пароль", validators=[
        DataRequired(REQUIRED), EqualTo("new_password", message="Пароли не совпадают")])


class UserEditForm(FlaskForm):
    """What an administrator may change on an existing account."""

    full_name = StringField("ФИО", validators=[DataRequired(REQUIRED), Length(max=255)])
    phone = StringField("Телефон", validators=[Optional(), Length(max=32)])
    role = SelectField("Роль", choices=list(ROLE_LABELS.items()))
    branches = SelectMultipleField("Филиалы", coerce=int)
    password = PasswordField("Новый пароль", validators=[
        Optional(), Length(min=MIN_PASSWORD_LENGTH, max=128,
                           message=f"Не короче {MIN_PASSWORD_LENGTH} символов")])
    is_active = BooleanField("Активен", default=True)


class UserCreateForm(UserEditForm):
    # The address is checked by the service (email-validator), which names the field.
    email = StringField("E-mail", validators=[DataRequired(REQUIRED), Length(max=255)])
    password = PasswordField("Пароль", validators=[
        DataRequired("Задайте пароль для новой учётной записи"),
        Length(min=MIN_PASSWORD_LENGTH, max=128,
               message=f"Не короче {MIN_PASSWORD_LENGTH} символов")])
