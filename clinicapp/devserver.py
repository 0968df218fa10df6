"""`make run`: database (embedded when DATABASE_URL is unset), migrations, demo data, serve.

Run as `python -m clinicapp.devserver`. Serves HTTP, Socket.IO and the raw
WebSockets on HOST:PORT (127.0.0.1:5000 by default).
"""
from __future__ import annotations

import os
import signal

from .config import INSTANCE_DIR


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from . import embedded_db

    server_url = embedded_db.start(INSTANCE_DIR / "pgdata")
    print("Встроенный PostgreSQL запущен (данные в instance/pgdata)", flush=True)
    return embedded_db.ensure_database(server_url, "clinicapp")


def _exit_on_sigterm(signum, frame) -> None:
    # `kill` (or `timeout`) ends the process through atexit, like Ctrl-C does,
    # so the embedded PostgreSQL is stopped instead of left running.
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    os.environ["DATABASE_URL"] = _database_url()

    from flask_migrate import upgrade

    from . import create_app
    from .extensions import db, socketio
    from .seed import DEMO_PASSWORD, seed_demo

    app = create_app()
    with app.app_context():
        upgrade()
        accounts = seed_demo()
        db.session.commit()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"\nclinicapp: http://{host}:{port}/   (API: /api/docs, /api/redoc)", flush=True)
    print(f"Демо-входы, пароль у всех «{DEMO_PASSWORD}»:", flush=True)
    for account in accounts:
        print(f"  {account['role']:<13} {account['email']}{account['note']}", flush=True)
    print(f"Токен вебхуков (X-Webhook-Token): {app.config['WEBHOOK_TOKEN']}\n", flush=True)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
