"""Raw WebSockets are closed with 1001 on shutdown, not cut."""
from __future__ import annotations

import atexit
import os
import signal
import threading

from .feed import feed

_at_exit = threading.Event()
_on_signals = threading.Event()


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
    if not _at_exit.is_set():
        _at_exit.set()
        atexit.register(feed.shutdown)
    # Only the main thread may set them: an app built elsewhere first leaves it to a later one.
    if _on_signals.is_set() or threading.current_thread() is not threading.main_thread():
        return
    _on_signals.set()
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if previous not in (signal.SIG_IGN, None):
            signal.signal(signum, _closing_then(previous))
