"""Raw WebSockets are closed with 1001 on shutdown, not cut."""
from __future__ import annotations

import atexit
import os
import signal
import threading

from .feed import feed

_installed = threading.Event()


def _closing_then(previous):
    def handler(signum, frame):
        feed.shutdown()
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL: die as the signal would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    return handler


def install() -> None:
    """Once per process: close subscribers on exit and on SIGTERM/SIGINT, then run the
    previous handler.

    Signal handlers can be set only from the main thread (gunicorn's worker,
    `python wsgi.py`); gunicorn sets its own before loading the app, and they
    still run after ours.
    """
    if _installed.is_set():
        return
    _installed.set()
    atexit.register(feed.shutdown)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if previous not in (signal.SIG_IGN, None):
            signal.signal(signum, _closing_then(previous))
