from __future__ import annotations

import pytest
import requests

from clinicapp.outbox import NotConfigured, register_handler
from clinicapp.outbox.registry import HANDLERS_KEY

from .target import HttpTarget

TOPIC = "tests.http"


@pytest.fixture
def target():
    with HttpTarget() as running:
        yield running


@pytest.fixture
def http_topic(app, target):
    """The `tests.http` topic: POST the payload to the loopback target; waits for
    settings while the payload says `"configured": false`."""

    def deliver(payload: dict) -> None:
        if payload.get("configured") is False:
            raise NotConfigured("TESTS_TARGET_URL unset")
        response = requests.post(target.url, json=payload, timeout=5)
        response.raise_for_status()

    register_handler(app, TOPIC, deliver, label="Test target")
    yield TOPIC
    # The app lives for the session: other tests' pages must not list a test topic.
    app.extensions[HANDLERS_KEY].pop(TOPIC)
