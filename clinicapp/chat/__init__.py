"""Chat between a patient and a doctor or a branch's front desk (issue 14, document 001).

- models.py: conversations (one per patient–doctor and per patient–desk pair) and messages;
- rules.py: who may write to whom, the one rule of every surface;
- services.py: send, read, typing; queries.py: inboxes, history, contacts;
- events.py: the frames, published to each participant's channel `user:<id>`;
- sockets.py: the raw WebSocket /api/v1/chat and the Socket.IO event `chat`;
- views.py: /chat/ for staff, /cabinet/chat for patients.
The REST history is api/chat.py. Frames and the handshake: docs/chat.md.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import declare
from ..web import add_landing


def init_app(app) -> None:
    from . import offline, sockets, views

    declare(views.PERMISSION, roles=("doctor", "receptionist", "manager"),
            label=_l("Чат с пациентами"))
    app.register_blueprint(views.bp)
    # The patient card (a lower layer) asks through this global whether to offer the chat.
    app.add_template_global(views.may_write_from_card, "chat_may_write")
    sockets.init_app(app)
    offline.init_app(app)
    add_menu_entry(app, 35, "chat.staff", _l("Чат"), views.PERMISSION)
    add_landing(app, "patient", "chat.cabinet")
