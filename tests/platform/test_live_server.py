"""The app served as a real process answers on its loopback port."""
import requests


def test_live_server_serves_health_and_login(live_server):
    assert requests.get(live_server.url + "/api/health", timeout=5).json()["db"] == "ok"
    page = requests.get(live_server.url + "/login", timeout=5)
    assert page.status_code == 200 and "Вход в систему" in page.text
