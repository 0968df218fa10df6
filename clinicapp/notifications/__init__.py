"""Notifications: messages to patients and staff by e-mail and SMS, in the reader's
language, delivered through the outbox (docs/notifications.md).

`notify(recipient, template, context=…, key=…)` is the one call features make. This
package also owns the two channels (mail.py, sms.py: the outbox handlers of `email.send`
and `sms.send`), development mode's message files and their page /admin/mail
(devlog.py, views.py), and the appointment notifications (appointments.py: the
confirmation on `appointment_booked`, the day-before reminder job).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_section_tab
from ..core.permissions import declare
from ..core.signals import appointment_booked
from .services import notify

__all__ = ["init_app", "notify"]


def init_app(app) -> None:
    from ..outbox import register_handler
    from ..scheduler import register_job
    from . import appointments, cli, mail, sms, views

    declare("mail.view", roles=(),
            label=_l("Видеть письма и SMS режима разработки (только администратор)"))
    register_handler(app, "email.send", mail.send_email, label=_l("Письмо"))
    register_handler(app, "sms.send", sms.send_sms, label=_l("SMS"))
    appointment_booked.connect(appointments.confirm_booking, sender=app)
    app.cli.add_command(cli.send_reminders_command)
    register_job(app, "send-reminders", cli.send_reminders_job, every_minutes=60,
                 label=_l("Напомнить о завтрашних приёмах"))
    app.register_blueprint(views.bp)
    add_section_tab(app, "clinic", 82, "notifications.mail", _l("Письма и SMS"), "mail.view")
