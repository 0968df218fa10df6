"""The raw WebSocket's pump in-process, with a stand-in socket: it re-checks access while
streaming and drops a client that falls behind."""
import pytest

from clinicapp.auth import tokens
from clinicapp.extensions import db
from clinicapp.realtime import feed as feed_module
from clinicapp.realtime import websocket
from clinicapp.scheduling.live import branch_room, calendar_socket
from tests.conftest import bearer


class FakeSocket:
    """Stands in for simple-websocket's Server; `script(n)` runs at the n-th poll of the client."""

    def __init__(self, script):
        self.connected, self.sent, self.closed, self.polls = True, [], None, 0
        self.script = script

    def send(self, data):
        self.sent.append(data)

    def receive(self, timeout=None):
        self.polls += 1
        self.script(self.polls)
        if self.polls > 50:  # a runaway loop fails the test instead of hanging it
            self.close(0, "test gave up")

    def close(self, reason=None, message=None):
        self.closed, self.connected = (reason, message), False


@pytest.fixture
def stream(app, make_user, make_clinic, monkeypatch):
    """stream(script) -> the FakeSocket after serving it as a receptionist's ?token= socket."""
    monkeypatch.setattr(websocket, "WAIT_SECONDS", 0.01)
    monkeypatch.setitem(app.config, "REALTIME_RECHECK_SECONDS", 0)  # re-check at every poll
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    branch = make_clinic("Филиал А")
    user = make_user("receptionist", branches=[branch])
    token = tokens.issue_tokens(user)["access"]
    db.session.commit()
    branch_id = branch.id

    def run(script):
        ws = FakeSocket(lambda n: script(n, branch_id, token))
        with app.test_request_context(f"/ws/calendar/{branch_id}?token={token}"):
            calendar_socket(ws, branch_id)
        assert feed_module.feed.count() == 0  # unsubscribed on the way out
        return ws

    return run


def test_stream_stops_when_the_token_is_revoked(client, stream):
    def script(poll, branch_id, token):
        if poll == 1:
            feed_module.feed.deliver(branch_room(branch_id), '{"type": "appointment_created"}')
        if poll == 3:
            assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code < 300

    ws = stream(script)
    assert ws.sent == ['{"type": "appointment_created"}']
    assert ws.closed == (1008, "not_authenticated")


def test_client_that_falls_behind_is_closed_try_again_later(stream, monkeypatch):
    monkeypatch.setattr(feed_module, "QUEUE_LIMIT", 2)

    def script(poll, branch_id, token):
        if poll == 1:
            for n in range(3):
                feed_module.feed.deliver(branch_room(branch_id), str(n))

    ws = stream(script)
    assert ws.closed == (1013, "too_slow") and ws.sent == []
