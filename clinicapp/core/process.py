"""Long-running commands (the outbox worker, the scheduler): stopping cleanly."""
from __future__ import annotations

import signal
import threading


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the loop finishes what it holds, then returns
    (a job's transaction commits or rolls back; nothing is cut in the middle)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    return stop
