"""The live calendar's doors: who may listen to a branch's appointments.

Socket.IO (pages and apps; the handshake is realtime.handshake):
    emit("join_branch", {"branch_id": 3}) -> ack {"ok": true, "branch_id": 3}
        or {"ok": false, "error": "forbidden" | "not_found" | "bad_request", "detail": "…"};
    then the events of EVENT_TYPES arrive as {"type", "appointment"}.
    "leave_branch" takes the same argument.

Raw WebSocket (document 002): /ws/calendar/<branch_id> with ?token=,
`Authorization: Bearer` or the staff session cookie (same origin only); the
stream's rules are realtime.websocket's.

What the events carry (the API's JSON of the appointment) is composed by the
api package, which subscribes to scheduling's signals and publishes to
`branch_room(id)`.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.errors import NotAuthenticated, PermissionDenied
from ..core.permissions import has_permission
from ..org.branches import branch_for
from ..realtime import rooms, websocket
from ..realtime.handshake import user_from_ws_request

PERMISSION = "calendar.view"
ROOM_KIND = "branch"
EVENT_TYPES = ("appointment_created", "appointment_updated", "appointment_moved",
               "appointment_cancelled")

bp = Blueprint("scheduling_live", __name__)


def branch_room(clinic_id: int) -> str:
    """The Socket.IO room and raw WebSocket channel of a branch's calendar."""
    return rooms.room_name(ROOM_KIND, clinic_id)


def authorize_calendar(user, branch_id: int):
    """The branch, if `user` may watch its calendar.

    Raises NotAuthenticated (no user), PermissionDenied (no calendar.view, or a
    branch the user is not assigned to; admins see all), NotFound (no such branch).
    """
    if user is None:
        raise NotAuthenticated(_("Нужен вход: токен (?token= или Authorization: Bearer) "
                                 "или сеанс сотрудника"))
    if not has_permission(user, PERMISSION):
        raise PermissionDenied(_("Календарь доступен только сотрудникам клиники"))
    return branch_for(user, branch_id)


@websocket.websocket_route(bp, "/ws/calendar/<int:branch_id>")
def calendar_socket(ws, branch_id: int) -> None:
    """/ws/calendar/<branch_id>: the branch's calendar events as JSON text frames."""
    websocket.serve(ws, branch_room(branch_id),
                    lambda: authorize_calendar(user_from_ws_request(), branch_id))


def init_app(app) -> None:
    rooms.register_room(ROOM_KIND, authorize_calendar, label=_l("филиала"))
    app.register_blueprint(bp)
