"""The realtime transport, below every feature: Socket.IO rooms, raw WebSocket streams,
the Redis fan-out between processes, and the handshake that says who is connected.

Features publish to a *channel* (a room name such as ``branch:3``) with
`publish(channel, event, payload)`; the payload goes out after the commit to
the Socket.IO room of that name and to the raw WebSocket subscribers of that
channel. A feature declares who may listen: `rooms.register_room` for
Socket.IO join/leave events, `websocket.websocket_route` + `websocket.serve`
for a raw WebSocket endpoint. This package knows no feature: who a token or a
cookie belongs to is told to it by auth (`handshake.configure_identity`).
"""
from __future__ import annotations

from flask import Flask

from . import handshake, shutdown
from .publish import publish

__all__ = ["init_app", "publish"]


def init_app(app: Flask) -> None:
    """Register the handshake and close raw WebSockets cleanly on shutdown."""
    handshake.init_app(app)
    shutdown.install()
