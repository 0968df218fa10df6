"""The chat socket's loop in-process with a stand-in socket: access is re-checked while it
is open (a user deactivated meanwhile is closed with 1008) and it unsubscribes on the way out."""
import time

from clinicapp.auth.models import User
from clinicapp.chat import sockets
from clinicapp.extensions import db
from clinicapp.realtime import feed as feed_module
from clinicapp.realtime.handshake import user_room


class FakeSocket:
    """Stands in for simple-websocket's Server (the reader thread polls `receive`)."""

    def __init__(self, on_poll, on_send):
        self.connected, self.sent, self.closed, self.polls = True, [], None, 0
        self.on_poll, self.on_send = on_poll, on_send

    def send(self, data):
        self.sent.append(data)
        self.on_send(data)

    def receive(self, timeout=None):
        self.polls += 1
        self.on_poll(self.polls)
        if self.polls > 500:  # a runaway loop fails the test instead of hanging it
            self.close(0, "test gave up")
        time.sleep(0.01)
        return None

    def close(self, reason=None, message=None):
        self.closed, self.connected = (reason, message), False


def test_a_user_deactivated_while_connected_is_closed(app, world, monkeypatch):
    monkeypatch.setattr(sockets, "WAIT_SECONDS", 0.01)
    monkeypatch.setitem(app.config, "REALTIME_RECHECK_SECONDS", 0)
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    user_id, token = world.id("patient"), world.tokens["patient"]

    def on_poll(poll):  # the reader thread: one frame published to the user's channel
        if poll == 2:
            feed_module.feed.deliver(user_room(user_id), '{"type": "notification"}')

    def on_send(_data):  # the loop's thread: the account is switched off meanwhile
        db.session.get(User, user_id).is_active = False
        db.session.commit()

    ws = FakeSocket(on_poll, on_send)
    with app.test_request_context(f"/api/v1/chat?user_id={user_id}&token={token}"):
        sockets.chat_socket(ws)
    assert ws.sent == ['{"type": "notification"}']
    assert ws.closed == (1008, "not_authenticated")
    assert feed_module.feed.count() == 0
