"""With REDIS_URL, a change made through one server process reaches the Socket.IO and raw
WebSocket clients of another; a stopping server closes its raw WebSockets with 1001."""

from tests.conftest import serve

from .conftest import sio_client, sio_event, ws_connect, ws_event, ws_frame


def test_change_through_one_process_reaches_clients_of_the_other(demo, book, pair):
    a, b = pair
    raw_b = ws_connect(b.url, demo.home, f"?token={demo.reception}")
    raw_a = ws_connect(a.url, demo.home, header=[f"Authorization: Bearer {demo.manager}"])
    with sio_client(b.url, join=demo.home, auth={"token": demo.reception}) as page_b:
        appointment = book(demo.home, base=a.url)
        expected = {"type": "appointment_created", "appointment": appointment}
        assert sio_event(page_b, appointment["id"], "appointment_created") == expected
        assert ws_event(raw_b, appointment["id"], "appointment_created") == expected
        assert ws_event(raw_a, appointment["id"], "appointment_created") == expected  # own too
    raw_a.close()
    raw_b.close()


def test_stopping_server_closes_raw_websockets_as_going_away(demo):
    server = serve(demo.database_url)
    try:
        client = ws_connect(server.url, demo.home, f"?token={demo.reception}")
    finally:
        server.stop()
    assert ws_frame(client) == ("close", 1001, "server_shutdown")
    assert server.process.returncode is not None
