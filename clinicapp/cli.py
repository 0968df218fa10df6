"""Platform commands that belong to no one feature: `flask --app wsgi <command>`
(see ../shared/RUNNING.md). Features register their own commands in init_app."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db


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


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(reencrypt_command)
