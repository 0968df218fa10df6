"""Features plug in through one registration each: create_app walks features.FEATURES,
and every feature's receivers, blueprints, permissions and menu entries are there —
nothing works by the accident of an import."""
from __future__ import annotations

from datetime import timedelta

import pytest

from clinicapp import features
from clinicapp.core import signals
from clinicapp.core.models import utcnow
from clinicapp.core.navigation import menu
from clinicapp.core.permissions import ROLE_PERMISSIONS
from clinicapp.extensions import db

# Every signal of core.signals and the receivers that must be connected to it. A new
# signal must be listed here; a receiver that goes missing fails the test.
EXPECTED_RECEIVERS = {
    "user_registered": {"clinicapp.patients.handlers.link_patient_record"},
    "appointment_booked": {"clinicapp.api.live._booked",
                           "clinicapp.notifications.appointments.confirm_booking"},
    "appointment_moved": {"clinicapp.api.live._moved"},
    "appointment_updated": {"clinicapp.api.live._changed"},
    "appointment_cancelled": {"clinicapp.api.live._cancelled"},
    "appointment_status_changed": {"clinicapp.api.live._changed"},
    "visit_finished": {"clinicapp.billing.invoices.draft_for_finished_visit"},
    "payment_completed": {"clinicapp.api.live._paid"},  # loyalty's cashback will join
    "payment_refunded": {"clinicapp.api.live._paid"},
}


def _receivers(signal, app) -> set[str]:
    return {f"{receiver.__module__}.{receiver.__qualname__}"
            for receiver in signal.receivers_for(app)}


def _declared_signals() -> dict:
    from blinker import NamedSignal

    return {name: value for name, value in vars(signals).items()
            if isinstance(value, NamedSignal)}


def test_every_signal_has_its_expected_receivers(app):
    declared = _declared_signals()
    assert set(declared) == set(EXPECTED_RECEIVERS), "list a new signal in EXPECTED_RECEIVERS"
    for name, signal in declared.items():
        missing = EXPECTED_RECEIVERS[name] - _receivers(signal, app)
        assert not missing, f"{name}: not connected: {missing}"


def test_receivers_are_connected_to_the_app_not_by_import(app):
    """Connected by init_app for this app as the sender: a signal sent by anything else
    (an import-time `@signal.connect` would answer it) reaches none of them."""
    for signal in _declared_signals().values():
        assert not list(signal.receivers_for(object())), signal.name


def test_every_feature_registers_itself(app):
    assert all(callable(getattr(feature, "init_app", None)) for feature in features.FEATURES)
    blueprints = set(app.blueprints)
    assert {"main", "auth", "profile", "org", "staff", "patients", "catalog", "scheduling",
            "scheduling_live", "visits", "billing", "billing_sandbox", "admin", "api_v1_visits",
            "api_v1_billing", "api_v1_payment"} <= blueprints
    assert [entry.endpoint for entry in menu(app)] == [
        "main.home", "scheduling.calendar", "scheduling.confirm_tomorrow", "visits.today",
        "chat.staff", "patients.index", "billing.desk", "billing.invoices", "consultations.inbox",
        "org.settings", "staff.index", "catalog.index", "admin.users"]  # the last four: one item
    assert {"calendar.manage", "visits.manage"} <= ROLE_PERMISSIONS["receptionist"]
    assert "visits.manage" in ROLE_PERMISSIONS["manager"]
    assert not {"calendar.manage", "visits.manage"} & ROLE_PERMISSIONS["cashier"]
    commands = set(app.cli.list_commands(None))
    assert {"create-user", "seed-demo", "reencrypt", "mark-no-shows"} <= commands


@pytest.fixture
def finished(app):
    """The visit_finished signals this app sends during the test: [kwargs]."""
    heard = []

    def receiver(sender, **kwargs):
        # Inside the sender's transaction: the visit is flushed, not yet committed.
        heard.append({**kwargs, "in_transaction": db.session().in_transaction()})

    signals.visit_finished.connect(receiver, sender=app)
    yield heard
    signals.visit_finished.disconnect(receiver, sender=app)


def test_visit_finished_carries_the_visit_its_appointment_and_the_actor(
        client, world, add_appointment, desk, finished):
    appointment = add_appointment(utcnow() - timedelta(minutes=20))
    response = client.post("/api/v1/visits/visits", headers=desk[1],
                           json={"appointment": appointment.id, "status": "in_progress"})
    assert response.status_code == 201 and finished == []
    visit_id = response.get_json()["id"]
    assert client.post(f"/api/v1/visits/visits/{visit_id}/finish",
                       headers=desk[1]).status_code == 200
    [event] = finished
    assert event["visit"].id == visit_id and event["visit"].status == "completed"
    assert event["appointment"].id == appointment.id and event["actor"].id == desk[0].id
    assert event["in_transaction"]
