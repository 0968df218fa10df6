"""A doctor is in one place at a time, under real concurrency: sixteen managers' browsers
(threads, each its own connection and session) save the same Sunday hours for one
doctor at once, half in one branch and half in another. Only one branch gets them; the
others are refused with a message, never a 500 (row lock + exclusion constraint)."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.live

PER_BRANCH = 8
SUNDAY = "06:00–06:30"
FIELD = re.compile(r'name="(hours_\w+)"[^>]*value="([^"]*)"')
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _get(url: str, **params):
    response = requests.get(url, params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _sign_in(base: str, user) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=10).text
    token = re.search(r'csrf-token" content="([^"]+)"', page).group(1)
    response = session.post(base + "/login", data={
        "csrf_token": token, "login": user.email, "password": user.password},
        allow_redirects=False, timeout=30)
    assert response.status_code == 302 and response.headers["Location"] == "/", response.text
    return session


def _week(session: requests.Session, page_url: str) -> tuple[dict, str]:
    html = session.get(page_url, timeout=10).text
    return dict(FIELD.findall(html)), TOKEN.search(html).group(1)


def test_one_branch_wins_the_same_hours(live_server, cli_user):
    base = live_server.url
    clinics = sorted(_get(base + "/api/v1/clinics"), key=lambda c: c["id"])[:2]
    listed = [{d["id"] for d in _get(base + "/api/v1/doctors", clinic_id=c["id"], limit=100)}
              for c in clinics]
    shared = sorted(listed[0] & listed[1])
    assert shared, "the demo data has no doctor working in two branches"
    doctor = shared[0]
    manager = cli_user("manager", branches=tuple(c["id"] for c in clinics))
    pages = [f"{base}/calendar/doctors/{doctor}/hours?branch={c['id']}" for c in clinics]
    clients = []
    for n in range(2 * PER_BRANCH):
        session = _sign_in(base, manager)
        week, token = _week(session, pages[n % 2])
        assert week["hours_sun"] == "", "the demo doctor already works on Sundays"
        clients.append((session, pages[n % 2], {**week, "hours_sun": SUNDAY,
                                                "csrf_token": token}))
    barrier = threading.Barrier(len(clients))

    def save(client):
        session, url, data = client
        barrier.wait(timeout=30)
        return url, session.post(url, data=data, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(save, clients))
    assert all(r.status_code in (302, 400, 409) for _, r in answers), \
        [(r.status_code, r.text[:200]) for _, r in answers]
    winners = {url for url, r in answers if r.status_code == 302}
    assert len(winners) == 1, [(url, r.status_code) for url, r in answers]
    losers = [r for url, r in answers if url not in winners]
    assert len(losers) == PER_BRANCH
    assert all("пересекается с часами" in r.text or "в другом филиале" in r.text
               for r in losers)
    session = clients[0][0]
    saved = [_week(session, url)[0]["hours_sun"] for url in pages]
    assert sorted(saved) == ["", SUNDAY]
    # Leave the shared demo data as it was.
    winner = next(iter(winners))
    week, token = _week(session, winner)
    response = session.post(winner, data={**week, "hours_sun": "", "csrf_token": token},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302
