"""Socket.IO: joining a branch's calendar room is for staff who may see that branch."""
import pytest
import socketio

from .conftest import TIMEOUT, sio_client


def _ack(client, event, data):
    return client.call(event, data, timeout=TIMEOUT)


def test_receptionist_joins_her_branch_and_leaves_it(demo):
    with sio_client(demo.url, auth={"token": demo.reception}) as client:
        assert _ack(client, "join_branch", {"branch_id": demo.home}) == {
            "ok": True, "branch_id": demo.home}
        assert _ack(client, "leave_branch", {"branch_id": demo.home}) == {
            "ok": True, "branch_id": demo.home}


def test_session_cookie_user_joins_her_branch(demo):
    with sio_client(demo.url, join=demo.home, headers={"Cookie": demo.cookie}):
        pass


def test_manager_of_every_branch_joins_each(demo):
    with sio_client(demo.url, join=demo.home, auth={"token": demo.manager}) as client:
        assert _ack(client, "join_branch", {"branch_id": demo.other})["ok"] is True


@pytest.mark.parametrize(("who", "branch", "error"), [
    ("reception", "other", "forbidden"),     # not her branch
    ("patient", "home", "forbidden"),        # no calendar.view
    ("manager", 2_000_000, "not_found"),
    ("reception", None, "bad_request"),
    ("reception", "3", "bad_request"),
    ("reception", True, "bad_request"),
    ("reception", 0, "bad_request"),
    ("reception", 2**31, "bad_request"),
])
def test_join_is_refused_with_a_reason(demo, who, branch, error):
    branch_id = getattr(demo, branch) if branch in ("home", "other") else branch
    with sio_client(demo.url, auth={"token": getattr(demo, who)}) as client:
        ack = _ack(client, "join_branch", {"branch_id": branch_id})
        assert ack["ok"] is False and ack["error"] == error
        assert any("а" <= ch <= "я" for ch in ack["detail"].lower()), ack  # Russian
        assert client.connected  # refused to join, not disconnected


@pytest.mark.parametrize("payload", [None, [], "branch", {"branch": 1}])
def test_join_without_a_branch_id_object_is_a_bad_request(demo, payload):
    with sio_client(demo.url, auth={"token": demo.reception}) as client:
        ack = _ack(client, "join_branch", payload)
        assert ack["ok"] is False and ack["error"] == "bad_request"
        assert _ack(client, "leave_branch", payload)["error"] == "bad_request"


@pytest.mark.parametrize("auth", [None, {"token": "garbage"}])
def test_anonymous_connection_is_refused_before_any_join(demo, auth):
    with pytest.raises(socketio.exceptions.ConnectionError), sio_client(demo.url, auth=auth):
        pass


def test_a_tab_closed_while_joining_leaves_no_error_in_the_log(demo, live_server):
    """The page asks to join and the tab goes away before the answer: nothing to answer,
    nothing to log as an error (the server keeps serving)."""
    import time

    log = live_server.log_path
    start = log.stat().st_size
    for _ in range(5):
        client = socketio.Client(reconnection=False)
        client.connect(demo.url, transports=["websocket"], auth={"token": demo.reception},
                       wait_timeout=TIMEOUT)
        client.emit("join_branch", {"branch_id": demo.home})
        client.eio.disconnect(abort=True)  # the tab is gone: no close handshake
    time.sleep(1.0)
    with log.open() as lines:
        lines.seek(start)
        written = lines.read()
    # (werkzeug's development server logs the aborted socket's stray close frame as a bad
    # request line: its own noise, not ours, and absent under gunicorn.)
    errors = [line for line in written.splitlines()
              if '"level": "ERROR"' in line and '"logger": "werkzeug"' not in line]
    assert "Traceback" not in written and not errors, written[-3000:]
    with sio_client(demo.url, join=demo.home, auth={"token": demo.reception}):
        pass  # still serving
