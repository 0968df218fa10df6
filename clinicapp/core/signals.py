"""Named signals through which features react to each other (ARCHITECTURE §11).

Handlers run inside the sender's transaction; after-commit work goes through
`core.after_commit`.
"""
from blinker import Namespace
from flask import current_app

_signals = Namespace()

user_registered = _signals.signal("user-registered")

# Appointments and visits (scheduling). Each is sent with the app as the sender
# after the state change is flushed, inside the same transaction, with the
# keyword arguments named in its comment. Receivers connect in their feature's
# init_app with `signal.connect(receiver, sender=app)`.
appointment_booked = _signals.signal("appointment-booked")  # appointment, actor, warnings
appointment_moved = _signals.signal("appointment-moved")  # appointment, actor, before
appointment_updated = _signals.signal("appointment-updated")  # appointment, actor, changes
appointment_cancelled = _signals.signal("appointment-cancelled")  # appointment, actor, before
appointment_status_changed = _signals.signal(
    "appointment-status-changed")  # appointment, actor, before, visit (None before arrival)
visit_finished = _signals.signal("visit-finished")  # visit, appointment, actor

# Money (billing): a payment succeeded, or money went back. Sent once per change, when
# the invoice's sums are already updated; `actor` is None for the bank's callback and
# the reconcile command.
payment_completed = _signals.signal("payment-completed")  # payment, invoice, actor
payment_refunded = _signals.signal("payment-refunded")  # refund, payment, invoice, actor


def send(signal, **kwargs) -> None:
    """Send a domain signal from the current app (receivers are connected per app)."""
    signal.send(current_app._get_current_object(), **kwargs)
