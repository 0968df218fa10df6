"""Users, roles, sign-in (sessions, JWT, TOTP) and who is on the other end of a socket."""
from __future__ import annotations


def init_app(app) -> None:
    from . import cli, profile, sockets, views

    app.register_blueprint(views.bp)
    app.register_blueprint(profile.bp)
    app.cli.add_command(cli.create_user_command)
    sockets.init_app(app)
