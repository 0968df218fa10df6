"""The features of clinicapp, in the order create_app registers them.

Each is a package (or module) with `init_app(app)` that registers its
blueprints, CLI commands, signal receivers, Socket.IO handlers, permissions
and menu entries. Lower features first: a feature may use those above it in
this list, never those below. Adding a feature is its package plus one line here.
"""
from __future__ import annotations

from . import (
    admin,
    api,
    auth,
    billing,
    catalog,
    chat,
    consultations,
    notifications,
    org,
    outbox,
    patients,
    scheduler,
    scheduling,
    staff,
    visits,
    web,
)

FEATURES = (
    web,  # the home page, uploads, template helpers
    auth,  # users, sign-in, 2FA, tokens, the realtime identity
    org,  # the organization and its branches
    scheduler,  # periodic jobs the features below register
    outbox,  # outbound jobs (Chatwoot, 1C, e-mail, SMS) and their worker
    staff,  # employees and doctors
    patients,
    catalog,  # services and prices
    scheduling,  # working hours, appointments, visits, the calendar
    visits,  # the front desk's «Сегодня»
    billing,  # invoices, the cash desk, online payment, refunds
    notifications,  # e-mail and SMS in the reader's language; appointment reminders
    chat,  # patients with their doctors and branches' desks
    consultations,  # document 004: clients, tickets, Chatwoot and 1С:ЦЛ sync
    admin,  # users
    api,  # the JSON API for apps, composing the features above; the live calendar
)


def init_app(app) -> None:
    for feature in FEATURES:
        feature.init_app(app)
