"""`flask --app wsgi create-user`: accounts for provisioning scripts and outside clients."""
from __future__ import annotations

import click
import pyotp
from flask.cli import with_appcontext

from ..core.errors import DomainError
from ..extensions import db
from . import services
from .models import ROLES


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--full-name", default="")
@click.option("--phone", default=None)
@click.option("--username", default=None)
@click.option("--branch", "branches", type=int, multiple=True, help="id филиала (можно несколько)")
@click.option("--totp-secret", default=None, help="BASE32: сразу включить 2FA с этим секретом")
@with_appcontext
def create_user_command(email, password, role, full_name, phone, username, branches, totp_secret):
    """Create a user of any role (optionally enrolled in two-factor sign-in)."""
    if totp_secret:
        try:
            pyotp.TOTP(totp_secret).now()
        except Exception as exc:  # noqa: BLE001 - any decoding failure means a bad secret
            raise click.BadParameter(
                "нужен секрет BASE32 не короче 26 символов (pyotp.random_base32())",
                param_hint="--totp-secret") from exc
    try:
        user = services.create_user(None, email=email, password=password, role=role,
                                    full_name=full_name, phone=phone, username=username,
                                    branch_ids=list(branches), totp_secret=totp_secret)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from error
    db.session.commit()
    click.echo(f"Создан пользователь #{user.id} {user.email} ({user.role})")
