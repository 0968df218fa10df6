"""realtime.publish in-process: after the commit only, to the right room and subscribers;
the raw-WebSocket feed's registry, its Redis bridge and its shutdown."""
import json
import queue
import threading

import pytest

from clinicapp.api.live import publish_appointment
from clinicapp.auth import tokens
from clinicapp.extensions import db, socketio
from clinicapp.org.models import Clinic
from clinicapp.realtime import feed as feed_module
from clinicapp.realtime import publish
from clinicapp.realtime.feed import CLOSE, Feed
from clinicapp.scheduling.live import branch_room


def _appointment(clinic_id: int, appointment_id: int = 7) -> dict:
    return {"id": appointment_id, "branch": clinic_id, "status": "booked",
            "patient_name": "Иванова «Анна»"}


@pytest.fixture
def branches(make_clinic):
    """Ids of two branches (the socket handshake closes the test's session)."""
    return make_clinic("Филиал А").id, make_clinic("Филиал Б").id


@pytest.fixture
def joined(app, make_user, branches):
    """join(branch) -> a Socket.IO test client of a receptionist of both branches, in that room."""
    user = make_user("receptionist", branches=[db.session.get(Clinic, b) for b in branches])
    token = tokens.issue_tokens(user)["access"]
    db.session.commit()
    clients = []

    def join(branch):
        client = socketio.test_client(app, auth={"token": token})
        assert client.emit("join_branch", {"branch_id": branch}, callback=True)["ok"]
        client.get_received()
        clients.append(client)
        return client

    yield join
    for client in clients:
        if client.is_connected():
            client.disconnect()


@pytest.fixture
def subscriber(branches):
    subscription = feed_module.feed.subscribe(branch_room(branches[0]))
    yield subscription
    feed_module.feed.unsubscribe(subscription)


def test_event_reaches_the_branch_room_and_subscribers_after_commit(joined, branches, subscriber):
    first, second = joined(branches[0]), joined(branches[1])
    publish(branch_room(branches[0]), "appointment_created",
            {"type": "appointment_created", "appointment": _appointment(branches[0])})
    assert first.get_received() == [] and subscriber.inbox.empty()  # not before the commit
    db.session.commit()
    [received] = first.get_received()
    expected = {"type": "appointment_created", "appointment": _appointment(branches[0])}
    assert received["name"] == "appointment_created" and received["args"] == [expected]
    assert second.get_received() == []
    assert json.loads(subscriber.inbox.get_nowait()) == expected


def test_rolled_back_work_sends_nothing(joined, branches, subscriber):
    client = joined(branches[0])
    publish(branch_room(branches[0]), "appointment_moved",
            {"type": "appointment_moved", "appointment": _appointment(branches[0])})
    db.session.rollback()
    db.session.commit()
    assert client.get_received() == [] and subscriber.inbox.empty()


def test_left_room_hears_nothing(app, joined, branches):
    client = joined(branches[0])
    assert client.emit("leave_branch", {"branch_id": branches[0]}, callback=True)["ok"]
    publish(branch_room(branches[0]), "appointment_cancelled",
            {"type": "appointment_cancelled", "appointment": _appointment(branches[0])})
    db.session.commit()
    assert client.get_received() == []


def test_disconnect_leaves_the_room(joined, branches):
    client = joined(branches[0])
    room = branch_room(branches[0])
    assert len(list(socketio.server.manager.get_participants("/", room))) == 1
    client.disconnect()
    assert list(socketio.server.manager.get_participants("/", room)) == []


def test_unknown_event_type_is_a_programming_error(branches):
    with pytest.raises(ValueError):
        publish_appointment("appointment_deleted", None)


def test_registry_delivers_per_branch_and_forgets_the_departed():
    feed = Feed()
    first, second = feed.subscribe("branch:1"), feed.subscribe("branch:1")
    elsewhere = feed.subscribe("branch:2")
    feed.publish("branch:1", "hello", None)
    assert first.inbox.get_nowait() == second.inbox.get_nowait() == "hello"
    assert elsewhere.inbox.empty()
    for subscription in (first, second, elsewhere):
        feed.unsubscribe(subscription)
    assert feed.count() == 0


def test_a_subscriber_that_falls_behind_is_marked_not_stalled(monkeypatch):
    monkeypatch.setattr(feed_module, "QUEUE_LIMIT", 2)
    feed = Feed()
    slow = feed.subscribe("branch:1")
    for n in range(3):
        feed.deliver("branch:1", str(n))
    assert slow.overflowed and slow.inbox.qsize() == 2


def test_shutdown_tells_every_subscriber_and_waits_for_them():
    feed = Feed()
    subscriptions = [feed.subscribe(f"branch:{branch}") for branch in (1, 1, 2)]

    def leave(subscription):
        assert subscription.inbox.get(timeout=2) is CLOSE
        feed.unsubscribe(subscription)

    threads = [threading.Thread(target=leave, args=(s,)) for s in subscriptions]
    for thread in threads:
        thread.start()
    feed.shutdown(wait=3)
    for thread in threads:
        thread.join(3)
    assert feed.count() == 0 and feed.stopping.is_set()


def test_redis_carries_events_to_the_listening_process(redis_url):
    publisher, listener = Feed(), Feed()  # two processes' feeds
    subscription = listener.subscribe("branch:41", redis_url)  # starts the listener, subscribed
    try:
        publisher.publish("branch:41", '{"type": "appointment_created"}', redis_url)
        publisher.publish("branch:42", '{"type": "other branch"}', redis_url)
        assert subscription.inbox.get(timeout=3) == '{"type": "appointment_created"}'
        with pytest.raises(queue.Empty):
            subscription.inbox.get(timeout=0.5)
    finally:
        listener.unsubscribe(subscription)
        listener.shutdown()


def test_redis_down_falls_back_to_this_process():
    feed = Feed()
    subscription = feed.subscribe("branch:3")
    feed.publish("branch:3", "local", "redis://127.0.0.1:1/0")
    assert subscription.inbox.get_nowait() == "local"
