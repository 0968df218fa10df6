"""Command-line interface: `flask --app wsgi <command>` (see ../shared/RUNNING.md)."""
from __future__ import annotations

import click
import pyotp
from flask import Flask
from flask.cli import with_appcontext

from .auth import services
from .auth.models import ROLES
from .core.errors import DomainError
from .extensions import db


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


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo data (idempotent) and print the demo logins."""
    from .seed import DEMO_PASSWORD, seed_demo

    accounts = seed_demo()
    db.session.commit()
    click.echo("Демо-данные загружены. Входы (пароль у всех: %s):" % DEMO_PASSWORD)
    for account in accounts:
        click.echo(f"  {account['role']:<13} {account['email']}{account['note']}")


@click.command("reencrypt")
@with_appcontext
def reencrypt_command():
    """Re-encrypt personal data and TOTP secrets with the first key of FERNET_KEYS."""
    from .core.crypto import reencrypt_all

    count = reencrypt_all(db.session.connection(), db.metadata)
    db.session.commit()
    click.echo(f"Перешифровано значений: {count}")


def register(app: Flask) -> None:
    from .scheduling.cli import mark_no_shows_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(reencrypt_command)
    app.cli.add_command(mark_no_shows_command)
