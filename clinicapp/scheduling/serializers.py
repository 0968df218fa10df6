"""Times as the API and the pages write them: instants in UTC with a `Z`, and the
branch's own wall clock (the appointment's JSON itself is composed in api/)."""
from __future__ import annotations

from datetime import UTC, datetime

from ..org.clock import branch_zone


def iso_utc(moment: datetime | None) -> str | None:
    """`2024-01-15T10:00:00Z`: an aware instant in UTC, seconds precision."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def local_date_time(moment: datetime, clinic) -> tuple[str, str]:
    """(`YYYY-MM-DD`, `HH:MM`) of an instant on the branch's wall clock."""
    local = moment.astimezone(branch_zone(clinic))
    return local.date().isoformat(), local.strftime("%H:%M")
