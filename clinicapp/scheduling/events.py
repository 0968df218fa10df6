"""Calendar events: every change to an appointment reaches the branch's open calendars.

Services call `publish(...)` inside their transaction; the event goes out only
after the commit (never for rolled-back work), to two audiences:

* Socket.IO room `branch:<id>` (staff pages, apps): `socketio.emit`; with
  REDIS_URL, Flask-SocketIO's message queue carries it to every process.
* raw WebSocket subscribers of `/ws/calendar/<id>` (document 002):
  `calendar_feed`. Without REDIS_URL it hands the JSON text to this process's
  subscribers; with REDIS_URL it publishes to the Redis channel
  `clinicapp:calendar:<id>`, and one listener thread per process (started by
  the first WebSocket) delivers it to the local subscribers.

Both carry `{"type": <event>, "appointment": <the API's JSON of it>}`, no
HTML: a staff page re-renders its cell by fetching the appointment's fragment
by `appointment.id` (htmx) when the event arrives.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import dataclass, field

from flask import current_app

from ..core.after_commit import after_commit
from ..extensions import socketio

EVENT_TYPES = ("appointment_created", "appointment_updated", "appointment_moved",
               "appointment_cancelled")
CHANNEL_PREFIX = "clinicapp:calendar:"
QUEUE_LIMIT = 500  # undelivered events per subscriber before it is dropped
CLOSE = object()  # queued to a subscriber when the server shuts down

log = logging.getLogger("clinicapp.realtime")


def branch_room(clinic_id: int) -> str:
    return f"branch:{clinic_id}"


def publish(event_type: str, clinic_id: int, appointment: dict) -> None:
    """Queue `{"type", "appointment"}` for the branch once the transaction commits.

    `appointment` is the JSON the API returns for it (serialize before the
    commit: the session may be gone afterwards).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(event_type)
    # Serialized now, inside the request: a value JSON cannot carry fails here,
    # before the commit, not after it.
    text = current_app.json.dumps({"type": event_type, "appointment": appointment})
    redis_url = current_app.config.get("REDIS_URL") or None

    def send() -> None:
        # The commit has happened: a failing delivery is logged, never raised.
        try:
            socketio.emit(event_type, json.loads(text), to=branch_room(clinic_id))
        except Exception:  # noqa: BLE001
            log.exception("socket.io emit failed", extra={"branch_id": clinic_id})
        calendar_feed.publish(clinic_id, text, redis_url)

    after_commit(send)


@dataclass(eq=False)
class Subscription:
    """One raw WebSocket's inbox: JSON texts of its branch's events, or CLOSE."""

    branch_id: int
    inbox: queue.Queue = field(default_factory=lambda: queue.Queue(QUEUE_LIMIT))
    overflowed: bool = False

    def offer(self, item) -> None:
        try:
            self.inbox.put_nowait(item)
        except queue.Full:
            # A client this far behind reloads anyway; it is closed, not stalled.
            self.overflowed = True


class CalendarFeed:
    """Thread-safe registry of raw WebSocket subscribers per branch, plus the Redis bridge."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # shutdown() may run in a signal handler
        self._subscribers: dict[int, set[Subscription]] = {}
        self._redis_clients: dict[str, object] = {}
        self._listener: threading.Thread | None = None
        self._listening = threading.Event()  # set while the Redis subscription is live
        self._drained = threading.Condition(self._lock)
        self.stopping = threading.Event()

    # --- subscribers ---------------------------------------------------------

    def subscribe(self, branch_id: int, redis_url: str | None = None) -> Subscription:
        """Register a subscriber; with Redis, first make sure this process listens."""
        if redis_url:
            self._ensure_listener(redis_url)
        subscription = Subscription(branch_id)
        with self._lock:
            self._subscribers.setdefault(branch_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            members = self._subscribers.get(subscription.branch_id, set())
            members.discard(subscription)
            if not members:
                self._subscribers.pop(subscription.branch_id, None)
            self._drained.notify_all()

    def count(self) -> int:
        with self._lock:
            return sum(len(members) for members in self._subscribers.values())

    def deliver(self, branch_id: int, text: str) -> None:
        """Hand an event to this process's subscribers of the branch."""
        with self._lock:
            members = list(self._subscribers.get(branch_id, ()))
        for subscription in members:
            subscription.offer(text)

    # --- publishing ----------------------------------------------------------

    def publish(self, branch_id: int, text: str, redis_url: str | None) -> None:
        """To every process through Redis when configured, else to this one."""
        if redis_url:
            try:
                self._redis(redis_url).publish(f"{CHANNEL_PREFIX}{branch_id}", text)
                return
            except Exception:  # noqa: BLE001 - Redis down: at least this process hears it
                log.exception("redis publish failed", extra={"branch_id": branch_id})
        self.deliver(branch_id, text)

    def _redis(self, url: str):
        import redis

        with self._lock:
            client = self._redis_clients.get(url)
            if client is None:
                client = self._redis_clients[url] = redis.Redis.from_url(
                    url, socket_connect_timeout=2, socket_timeout=5)
            return client

    # --- the Redis listener (one thread per process) -------------------------

    def _ensure_listener(self, url: str, wait: float = 3.0) -> None:
        with self._lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(
                    target=self._listen, args=(url,), name="calendar-feed-redis", daemon=True)
                self._listener.start()
        # Subscribed before the caller registers, so that nothing after it is missed.
        if not self._listening.wait(wait):
            log.warning("redis listener is not subscribed yet")

    def _listen(self, url: str) -> None:
        import redis

        pattern = f"{CHANNEL_PREFIX}*"
        retry = 0.5
        while not self.stopping.is_set():
            pubsub = None
            try:
                pubsub = redis.Redis.from_url(url, socket_connect_timeout=2,
                                              health_check_interval=30).pubsub()
                pubsub.psubscribe(pattern)
                while not self.stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        retry = 0.5
                        self._on_redis_message(message)
            except Exception:  # noqa: BLE001 - keep listening through Redis restarts
                self._listening.clear()
                log.exception("redis listener failed; retrying in %.1f s", retry)
                self.stopping.wait(retry)
                retry = min(retry * 2, 30.0)
            finally:
                if pubsub is not None:
                    pubsub.close()
        self._listening.clear()

    def _on_redis_message(self, message: dict) -> None:
        if message["type"] == "psubscribe":
            self._listening.set()
            return
        if message["type"] != "pmessage":
            return
        channel = message["channel"].decode()
        try:
            branch_id = int(channel.removeprefix(CHANNEL_PREFIX))
        except ValueError:
            return
        self.deliver(branch_id, message["data"].decode())

    # --- shutdown ------------------------------------------------------------

    def shutdown(self, wait: float = 2.0) -> None:
        """Close every subscriber (1001, going away), wait briefly for them to go."""
        self.stopping.set()
        with self._lock:
            members = [s for group in self._subscribers.values() for s in group]
        for subscription in members:
            subscription.offer(CLOSE)
        with self._drained:
            self._drained.wait_for(lambda: not self._subscribers, timeout=wait)


calendar_feed = CalendarFeed()
