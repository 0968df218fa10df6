"""The outbox: outbound work (Chatwoot, 1C, e-mail, SMS) queued in the database.

A feature calls `enqueue(topic, payload)` inside its own transaction, so a job
exists exactly when the work that caused it committed, and registers who
delivers the topic with `register_handler(app, topic, deliver, label=…)`. The
`outbox-worker` command delivers: retries with exponential backoff, waits while
a target is not configured (NotConfigured), and gives up after
OUTBOX_MAX_ATTEMPTS into a dead letter that an administrator re-queues on
/admin/outbox.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.permissions import declare
from ..scheduler import register_job
from .registry import NotConfigured, register_handler
from .services import enqueue

__all__ = ["NotConfigured", "enqueue", "init_app", "register_handler"]


def init_app(app) -> None:
    from . import cli, services, views

    declare("outbox.manage", roles=(),
            label=_l("Видеть очередь отправки и возвращать в неё задания (только администратор)"))
    app.cli.add_command(cli.outbox_worker_command)
    app.register_blueprint(views.bp)
    register_job(app, "purge-outbox", services.purge_delivered, every_minutes=24 * 60,
                 label=_l("Удалить старые доставленные задания очереди"))
