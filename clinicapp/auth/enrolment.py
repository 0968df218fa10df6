"""The secret offered during TOTP enrolment, kept in the session until confirmed.

It is tied to the user it was made for, so a second person enrolling in the
same browser never inherits it.
"""
from __future__ import annotations

from flask import render_template, session

from . import totp
from .models import User

KEY = "totp_enrolment"


def secret_for(user: User) -> str:
    pending = session.get(KEY)
    if not pending or pending.get("user_id") != user.id:
        pending = {"user_id": user.id, "secret": totp.new_secret()}
        session[KEY] = pending
    return pending["secret"]


def forget() -> None:
    session.pop(KEY, None)


def render_page(user: User, form, action: str, status: int = 200):
    """The enrolment page: QR code, the secret to type by hand, the code form."""
    secret = secret_for(user)
    uri = totp.provisioning_uri(user, secret)
    return render_template("auth/enrol.html", form=form, secret=secret,
                           qr=totp.qr_svg_data_uri(uri), action=action), status
