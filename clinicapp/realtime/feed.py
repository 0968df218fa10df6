"""The raw WebSockets' side of publishing: per-channel subscribers and the Redis bridge.

Without REDIS_URL an event is handed to this process's subscribers. With it,
the event is published to the Redis channel `clinicapp:rt:<channel>`, and one
listener thread per process (started by the first subscriber) delivers it to
the local subscribers, so every process's sockets hear every event.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

CHANNEL_PREFIX = "clinicapp:rt:"
QUEUE_LIMIT = 500  # undelivered events per subscriber before it is dropped
CLOSE = object()  # queued to a subscriber when the server shuts down

log = logging.getLogger("clinicapp.realtime")


@dataclass(eq=False)
class Subscription:
    """One raw WebSocket's inbox: JSON texts of its channel's events, or CLOSE."""

    channel: str
    inbox: queue.Queue = field(default_factory=lambda: queue.Queue(QUEUE_LIMIT))
    overflowed: bool = False

    def offer(self, item) -> None:
        try:
            self.inbox.put_nowait(item)
        except queue.Full:
            # A client this far behind reloads anyway; it is closed, not stalled.
            self.overflowed = True


class Feed:
    """Thread-safe registry of raw WebSocket subscribers per channel, plus the Redis bridge."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # shutdown() may run in a signal handler
        self._subscribers: dict[str, set[Subscription]] = {}
        self._redis_clients: dict[str, object] = {}
        self._listener: threading.Thread | None = None
        self._listening = threading.Event()  # set while the Redis subscription is live
        self._drained = threading.Condition(self._lock)
        self.stopping = threading.Event()

    # --- subscribers ---------------------------------------------------------

    def subscribe(self, channel: str, redis_url: str | None = None) -> Subscription:
        """Register a subscriber; with Redis, first make sure this process listens."""
        if redis_url:
            self._ensure_listener(redis_url)
        subscription = Subscription(channel)
        with self._lock:
            self._subscribers.setdefault(channel, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            members = self._subscribers.get(subscription.channel, set())
            members.discard(subscription)
            if not members:
                self._subscribers.pop(subscription.channel, None)
            self._drained.notify_all()

    def count(self) -> int:
        with self._lock:
            return sum(len(members) for members in self._subscribers.values())

    def deliver(self, channel: str, text: str) -> None:
        """Hand an event to this process's subscribers of the channel."""
        with self._lock:
            members = list(self._subscribers.get(channel, ()))
        for subscription in members:
            subscription.offer(text)

    # --- publishing ----------------------------------------------------------

    def publish(self, channel: str, text: str, redis_url: str | None) -> None:
        """To every process through Redis when configured, else to this one."""
        if redis_url:
            try:
                self._redis(redis_url).publish(f"{CHANNEL_PREFIX}{channel}", text)
                return
            except Exception:  # noqa: BLE001 - Redis down: at least this process hears it
                log.exception("redis publish failed", extra={"channel": channel})
        self.deliver(channel, text)

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
                    target=self._listen, args=(url,), name="realtime-redis", daemon=True)
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
        channel = message["channel"].decode().removeprefix(CHANNEL_PREFIX)
        self.deliver(channel, message["data"].decode())

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


feed = Feed()
