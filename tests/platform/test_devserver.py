"""`make run` stops, and stops its embedded PostgreSQL, however it is told to.

Real processes: `python -m clinicapp.devserver` (and once `make run`) with
DATABASE_URL unset, over an instance directory of its own, so it initialises,
starts and stops a PostgreSQL of its own. The cases run in order on the same
directory: each also proves the server starts again after the previous stop.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from ..conftest import ROOT, _free_port

STOPPING = "Останавливаю встроенный PostgreSQL"
STARTED = "Встроенный PostgreSQL запущен"
STOPPED = "Встроенный PostgreSQL остановлен"


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("devserver-instance").resolve()
    yield path
    shutil.rmtree(path / "pgdata", ignore_errors=True)  # ~40 MB; pytest keeps old temp dirs


class DevServer:
    """`make run` or its Python command, in a session of its own; output in a file."""

    def __init__(self, instance: Path, *, through_make: bool = False) -> None:
        self.instance = instance
        self.port = _free_port()
        self.log = instance / f"devserver-{self.port}.log"
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(INSTANCE_PATH=str(instance), HOST="127.0.0.1", PORT=str(self.port))
        command = [sys.executable, "-m", "clinicapp.devserver"]
        if through_make:  # the venv this test runs in; `-o install`: nothing to install
            command = ["make", "--no-print-directory", "-o", "install", f"VENV={sys.prefix}",
                       "run"]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, f"no «{text}»: {self.output()[-3000:]}"
            time.sleep(0.02)

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.output()[-3000:]
            try:
                health = requests.get(f"http://127.0.0.1:{self.port}/api/health", timeout=2)
                if health.status_code == 200:
                    return
            except requests.RequestException:
                pass  # still starting
            assert time.monotonic() < deadline, self.output()[-3000:]
            time.sleep(0.2)

    def signal(self, signum: int, *, group: bool = False) -> None:
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)

    def wait_exit(self) -> int:
        try:
            return self.process.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            pytest.fail("the dev server did not exit: " + self.output()[-3000:])


def _postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """The server of `pgdata`: its postmaster (by command line) and whatever it still runs."""
    found = []
    for process in psutil.process_iter(["name", "cmdline", "status"]):
        if (process.info["name"] == "postgres" and process.info["status"] != psutil.STATUS_ZOMBIE
                and str(pgdata) in (process.info["cmdline"] or [])):
            found.append(process)
            found += [child for child in process.children(recursive=True)
                      if child.status() != psutil.STATUS_ZOMBIE]
    return found


def assert_database_stopped(instance: Path, server: DevServer) -> None:
    pgdata = instance / "pgdata"
    assert (pgdata / "PG_VERSION").exists(), server.output()[-3000:]
    assert not (pgdata / "postmaster.pid").exists(), server.output()[-3000:]
    assert _postgres_processes(pgdata) == [], server.output()[-3000:]
    # The library's list of the server's users stays readable for the next start.
    assert server.process.pid not in json.loads((pgdata / ".handle_pids.json").read_text())


def test_a_signal_while_starting_stops_what_was_started(instance):
    server = DevServer(instance)  # the first run: initdb, then migrations and demo data
    server.wait_for(STARTED)
    server.signal(signal.SIGTERM)
    assert server.wait_exit() == 0, server.output()[-3000:]
    assert_database_stopped(instance, server)


def test_ctrl_c_then_more_signals_while_stopping(instance):
    """Ctrl-C, then Ctrl-C again and a SIGTERM while PostgreSQL is being stopped."""
    server = DevServer(instance)
    server.wait_healthy()
    server.signal(signal.SIGINT)
    server.wait_for(STOPPING)
    server.signal(signal.SIGINT)
    server.signal(signal.SIGTERM)
    assert server.wait_exit() == 0, server.output()[-3000:]
    assert STOPPED in server.output()
    assert_database_stopped(instance, server)


def test_make_run_stopped_by_its_process_group(instance):
    """`timeout make run`, a closed terminal: make and the server both get SIGTERM,
    and make forwards its own to the server too."""
    server = DevServer(instance, through_make=True)
    server.wait_healthy()
    server.signal(signal.SIGTERM, group=True)
    server.wait_exit()  # make itself dies of the signal it re-raises
    assert STOPPED in server.output()
    assert_database_stopped(instance, server)
