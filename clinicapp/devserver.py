"""`make run`: database (embedded when DATABASE_URL is unset), migrations, demo data, serve.

Run as `python -m clinicapp.devserver`. Serves HTTP, Socket.IO and the raw
WebSockets on HOST:PORT (127.0.0.1:5000 by default). SIGINT, SIGTERM and SIGHUP
stop it, and the embedded PostgreSQL with it, however many of them arrive.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

from . import embedded_db
from .config import INSTANCE_DIR


class StopSignals:
    """The first SIGINT, SIGTERM or SIGHUP ends the server; later ones cannot interrupt.

    Stopping `make run` by its process group (`timeout`, a closed terminal, CI)
    delivers two signals, since make forwards its own to us; Ctrl-C may be
    pressed twice. An exception raised by the second inside the database's start
    or stop would leave PostgreSQL running with nobody to stop it: while the
    database starts, signals are only noted (`arm` acts on them), and once the
    server is stopping they are ignored.
    """

    HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.received: int | None = None
        self.armed = False
        # A signal the parent chose to ignore (nohup, a background job) stays ignored.
        self.handled = [signum for signum in self.HANDLED
                        if signal.getsignal(signum) is not signal.SIG_IGN]
        for signum in self.handled:
            signal.signal(signum, self._handle)

    def _handle(self, signum, frame) -> None:
        self.received = self.received or signum
        if self.armed:
            self.armed = False
            raise SystemExit(0)

    def arm(self) -> None:
        """From now on a signal ends the server; one that came meanwhile does it at once."""
        if self.received:
            raise SystemExit(0)
        self.armed = True

    def ignore(self) -> None:
        """For the cleanup. SIG_IGN rather than a handler that returns: Python puts
        its handlers back to the default at exit, and a signal in that last moment
        would then kill the process, and make report a failure."""
        for signum in self.handled:
            signal.signal(signum, signal.SIG_IGN)


def _say(line: str) -> None:
    # After SIGHUP the terminal may be gone; the cleanup must go on regardless.
    try:
        print(line, flush=True)
    except OSError:
        pass


def _start_database(pgdata: Path) -> str:
    server_url = embedded_db.start(pgdata)
    _say("Встроенный PostgreSQL запущен (данные в instance/pgdata)")
    return embedded_db.ensure_database(server_url, "clinicapp")


def _serve() -> None:
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


def main() -> None:
    signals = StopSignals()
    pgdata = None if os.environ.get("DATABASE_URL") else INSTANCE_DIR / "pgdata"
    try:
        if pgdata is not None:
            os.environ["DATABASE_URL"] = _start_database(pgdata)
        signals.arm()
        _serve()
    finally:
        signals.ignore()
        if pgdata is not None:
            # Stopped here rather than by the library at interpreter exit: its
            # cleanup there dies half-way on a second signal.
            _say("Останавливаю встроенный PostgreSQL…")
            embedded_db.stop(pgdata)
            _say("Встроенный PostgreSQL остановлен")


if __name__ == "__main__":
    main()
