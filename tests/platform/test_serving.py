"""Production-like serving: gunicorn gthread with WebSockets, ProxyFix, CORS, its refusals."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
import socketio

from ..conftest import ROOT, _free_port, serve

DEMO = {"username": "manager@clinic.test", "password": "demo-pass-2026"}


@pytest.fixture
def gunicorn_server(live_server):
    """The app under gunicorn as the Dockerfile runs it (its config file), on a loopback port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:clinicapp.gunicorn_conf",
         "--threads", "8", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "DATABASE_URL": live_server.database_url, "RATELIMIT_ENABLED": "0"})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(url + "/api/health", timeout=3).ok:
                    break
            except requests.RequestException:  # still booting
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def test_gunicorn_gthread_serves_http_and_socketio_websocket(gunicorn_server):
    token = requests.post(gunicorn_server + "/api/v1/auth/login", json=DEMO, timeout=5).json()
    client = socketio.SimpleClient()
    client.connect(gunicorn_server, transports=["websocket"], auth={"token": token["access"]},
                   wait_timeout=5)
    try:
        assert client.call("whoami", timeout=5)["role"] == "manager"
    finally:
        client.disconnect()


def test_forwarded_proto_is_trusted_only_with_configured_hops(live_server):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "clinic.example"}
    # Without a configured proxy, anybody could claim HTTPS: the header is ignored.
    direct = requests.get(live_server.url + "/", headers=https, allow_redirects=False, timeout=5)
    assert "Strict-Transport-Security" not in direct.headers

    proxied = serve(live_server.database_url, PROXY_FIX_HOPS="1")
    try:
        behind = requests.get(proxied.url + "/", headers=https, allow_redirects=False, timeout=5)
    finally:
        proxied.stop()
    assert behind.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cors_only_for_configured_origins(live_server):
    allowed = "https://app.clinic.example"
    server = serve(live_server.database_url, CORS_ORIGINS=allowed)
    try:
        ok = requests.get(server.url + "/api/health", headers={"Origin": allowed}, timeout=5)
        other = requests.get(server.url + "/api/health", headers={"Origin": "https://evil.example"},
                             timeout=5)
        page = requests.get(server.url + "/login", headers={"Origin": allowed}, timeout=5)
    finally:
        server.stop()
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Origin" not in page.headers


def _raw_answer(url: str, request: bytes) -> tuple[int, dict]:
    """Send raw bytes (clients refuse to build such requests); the status and JSON body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return int(head.split()[1]), json.loads(body)


def test_gunicorn_answers_long_urls_and_headers_in_the_json_error_shape(gunicorn_server):
    long_url = b"GET /api/health?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    status, body = _raw_answer(gunicorn_server, long_url)
    assert status == 414 and body["error"] == "uri_too_long", body
    assert set(body) == {"detail", "error", "details"} and "8190" in body["detail"]

    long_header = b"GET /api/health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n"
    status, body = _raw_answer(gunicorn_server, long_header)
    assert (status, body["error"]) == (431, "headers_too_large"), body

    many = b"".join(b"X-H%d: v\r\n" % n for n in range(150))
    status, body = _raw_answer(gunicorn_server, b"GET / HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")
    assert (status, body["error"]) == (431, "headers_too_large"), body

    # Within the limits the app itself answers, and the server lives on.
    assert requests.get(gunicorn_server + "/api/health?q=" + "x" * 4000, timeout=5).ok
