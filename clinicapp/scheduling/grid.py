"""The staff calendar's layout: columns (a doctor on a local day), 5-minute rows, blocks.

The page is a CSS grid per column: row 1 is the first five minutes of the
visible range (`origin`, a whole hour), and an appointment or a working
interval is placed with the classes `cal-at-<row>` and `cal-len-<rows>`
(static/css/calendar-rows.css). Positions are computed here, on the branch's
wall clock, so the page needs no script to lay itself out and a live update
can fetch one block rendered for the same origin.

Which doctors get a column is decided here too (`split_doctors`): in a day view
those who work that day, who have appointments, and the signed-in doctor; the
others are listed as hidden. What has passed is shaded (`Column.past_rows`), and
`Grid.scroll_row` is where the page opens: now during the working day, else the
start of the day.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .models import ACTIVE_STATUSES

ROW_MINUTES = 5
DAY_MINUTES = 24 * 60
MAX_ROWS = DAY_MINUTES // ROW_MINUTES  # the CSS classes go this far
DEFAULT_HOURS = (8, 20)  # shown when nobody works and nothing is booked
VIEWS = ("day", "week")


def column_key(doctor_id: int, day: date) -> str:
    """`<doctor id>/<YYYY-MM-DD>`: the same in the day and the week view."""
    return f"{doctor_id}/{day.isoformat()}"


def clock(minute: int) -> str:
    """`09:05` for minute 545 of a column's day (`24:00` for its end)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_minutes(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Minutes from local midnight of `day` to `moment` on the wall clock of `zone`."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute


@dataclass(frozen=True)
class Span:
    """A stretch of one column in minutes from its local midnight, [start, end)."""

    start: int
    end: int

    def rows(self, origin: int, last: int) -> tuple[int, int] | None:
        """(first row, number of rows) inside the visible range, None when outside it."""
        start, end = max(self.start, origin), min(self.end, last)
        if end <= start:
            return None
        row = (start - origin) // ROW_MINUTES + 1
        return row, max(1, math.ceil((end - origin) / ROW_MINUTES) - row + 1)

    @property
    def text(self) -> str:
        """`09:00–13:00` on the column's wall clock."""
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass
class Block:
    """One appointment in its column: its span on the wall clock, its rows once placed."""

    appointment: object
    span: Span
    local_start: datetime
    local_end: datetime
    minutes: int  # its real length (a DST change makes it differ from the span)
    movable: bool
    row: int = 0
    rows: int = 0
    off_hours: bool = False  # outside the doctor's hours that day (a vacation since, …)

    def check_hours(self, work: list[Span]) -> None:
        """Mark the block when no working interval of its day holds it."""
        self.off_hours = not any(w.start <= self.span.start and self.span.end <= w.end
                                 for w in work)


@dataclass
class Column:
    """A doctor on a local day: working intervals (as row bands) and appointment blocks.

    `guest`: the doctor is not (or no longer) listed in the branch but has
    appointments there that day.
    """

    key: str
    doctor: object
    day: date
    guest: bool = False
    absence: str | None = None  # a whole day's day_off / vacation / sick_leave
    own: bool = False  # the signed-in doctor's own column
    work: list[Span] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    bands: list[tuple[int, int]] = field(default_factory=list)  # (row, rows) of work
    past_rows: int = 0  # rows from the top that have passed (all of them for a past day)


@dataclass(frozen=True)
class Hidden:
    """A doctor left out of a day view: not working that day (`absence` says why, if
    a whole-day absence does), nothing booked."""

    doctor: object
    absence: str | None = None


@dataclass
class Grid:
    """The whole view: its columns and the rows they share, from `origin` to `last`."""

    view: str
    clinic: object
    zone: ZoneInfo
    days: list[date]
    step: int
    columns: list[Column]
    origin: int = 0  # minutes after local midnight of the first row
    last: int = 0  # minutes after local midnight where the last row ends
    now_row: int | None = None
    today: date | None = None
    scroll_row: int = 1  # where the page opens
    hidden: list[Hidden] = field(default_factory=list)  # doctors without a column

    @property
    def rows(self) -> int:
        return (self.last - self.origin) // ROW_MINUTES

    @property
    def hours(self) -> list[tuple[str, int]]:
        """(label, row) of every whole hour on the axis."""
        return [(clock(minute), (minute - self.origin) // ROW_MINUTES + 1)
                for minute in range(self.origin, self.last, 60)]


def block_for(appointment, day: date, zone: ZoneInfo, *, may_move: bool) -> Block:
    """The appointment as a block of its local day `day` (not yet placed on rows).

    The span runs on the wall clock, like the working hours and the axis: across a
    DST change a 01:30–03:30 appointment spans what the clock shows.
    """
    start = local_minutes(appointment.starts_at, day, zone)
    length = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    end = local_minutes(appointment.ends_at, day, zone)
    return Block(appointment=appointment, span=Span(start, end if end > start else start + 1),
                 local_start=appointment.starts_at.astimezone(zone),
                 local_end=appointment.ends_at.astimezone(zone), minutes=length,
                 movable=may_move and appointment.status in ACTIVE_STATUSES)


def work_spans(intervals, day: date, zone: ZoneInfo) -> list[Span]:
    """UTC working intervals of `day` as wall-clock spans of its column."""
    return [Span(local_minutes(start, day, zone), local_minutes(end, day, zone))
            for start, end in intervals]


def visible_range(columns: list[Column]) -> tuple[int, int]:
    """Whole hours covering every working interval and appointment (08–20 at least)."""
    starts = [DEFAULT_HOURS[0] * 60] + [s.start for c in columns for s in c.work] \
        + [b.span.start for c in columns for b in c.blocks]
    ends = [DEFAULT_HOURS[1] * 60] + [s.end for c in columns for s in c.work] \
        + [b.span.end for c in columns for b in c.blocks]
    origin = max(0, min(starts) // 60 * 60)
    last = min(DAY_MINUTES, math.ceil(max(ends) / 60) * 60)
    return origin, last


def place(grid: Grid, block: Block) -> bool:
    """Set the block's rows for the grid's range; False when it falls outside it."""
    placed = block.span.rows(grid.origin, grid.last)
    if placed is None:
        return False
    block.row, block.rows = placed
    return True


def split_doctors(doctors: list, day: date, hours: dict, appointments: list, *,
                  own_id: int | None = None, absences: dict | None = None
                  ) -> tuple[list, list[Hidden]]:
    """(shown, hidden) doctors of a day view, in the order given, the own one first.

    Shown: who works that day in the branch (`hours`), who has an appointment there
    (`appointments`: nothing booked ever disappears) and the signed-in doctor
    (`own_id`); the others are hidden, with their whole-day absence if any.
    """
    absences = absences or {}
    booked = {appointment.employee_id for appointment in appointments}
    shown, hidden = [], []
    for doctor in doctors:
        if doctor.id in booked or doctor.id == own_id or hours.get(doctor.id, {}).get(day):
            shown.append(doctor)
        else:
            hidden.append(Hidden(doctor, absences.get((doctor.id, day))))
    return own_first(shown, own_id), hidden


def own_first(doctors: list, own_id: int | None) -> list:
    """The signed-in doctor's column leads; the rest keep their order."""
    return sorted(doctors, key=lambda doctor: doctor.id != own_id)


def past_rows(day: date, today: date, minute: int, origin: int, last: int) -> int:
    """How many rows of a column of `day` have passed when it is `minute` on `today`."""
    if day < today:
        return (last - origin) // ROW_MINUTES
    if day > today:
        return 0
    return (min(max(minute, origin), last) - origin) // ROW_MINUTES


def opening_row(grid: Grid, minute: int) -> int:
    """Where the page opens: the row of now while today's working day runs (its first
    start to its last end), else the start of the day (the first working interval or
    appointment shown, else the top)."""
    today = [column for column in grid.columns if column.day == grid.today]
    work = [span for column in today for span in column.work]
    if grid.now_row and work and min(s.start for s in work) <= minute < max(s.end for s in work):
        return grid.now_row
    starts = [row for column in grid.columns for row, _ in column.bands] \
        or [block.row for column in grid.columns for block in column.blocks]
    return min(starts, default=1)


def build(*, view: str, clinic, zone: ZoneInfo, days: list[date], doctors: list,
          hours: dict, appointments: list, step: int, now: datetime,
          may_move: bool, guests: set[int] = frozenset(),
          absences: dict | None = None, own_id: int | None = None) -> Grid:
    """Lay out the day view (`doctors` × one day) or the week view (one doctor × 7 days).

    `hours`: {doctor id: {day: [(UTC start, UTC end)]}} (slots.branch_hours);
    `appointments`: the branch's non-cancelled appointments of those days;
    `guests`: ids of doctors shown only because they have appointments;
    `absences`: {(doctor id, day): kind} of whole days off (slots.whole_day_absences);
    `own_id`: the signed-in doctor, whose columns are marked.
    """
    absences = absences or {}
    columns = [Column(column_key(doctor.id, day), doctor, day, guest=doctor.id in guests,
                      absence=absences.get((doctor.id, day)), own=doctor.id == own_id)
               for doctor in doctors for day in days]
    by_key = {column.key: column for column in columns}
    for column in columns:
        column.work = work_spans(hours.get(column.doctor.id, {}).get(column.day, []),
                                 column.day, zone)
    for appointment in appointments:
        day = appointment.starts_at.astimezone(zone).date()
        column = by_key.get(column_key(appointment.employee_id, day))
        if column is not None:
            column.blocks.append(block_for(appointment, day, zone, may_move=may_move))
    grid = Grid(view=view, clinic=clinic, zone=zone, days=days, step=step, columns=columns)
    grid.origin, grid.last = visible_range(columns)
    for column in columns:
        column.bands = [rows for rows in (s.rows(grid.origin, grid.last) for s in column.work)
                        if rows is not None]
        column.blocks = [block for block in column.blocks if place(grid, block)]
        for block in column.blocks:
            block.check_hours(column.work)
    local_now = now.astimezone(zone)
    grid.today = local_now.date()
    minute = local_now.hour * 60 + local_now.minute
    if grid.today in days and grid.origin <= minute < grid.last:
        grid.now_row = (minute - grid.origin) // ROW_MINUTES + 1
    for column in columns:
        column.past_rows = past_rows(column.day, grid.today, minute, grid.origin, grid.last)
    grid.scroll_row = opening_row(grid, minute)
    return grid


def week_of(day: date) -> list[date]:
    """Monday..Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def rows_css() -> str:
    """static/css/calendar-rows.css: a class per start row and per length in rows.

    CSP forbids style attributes, so positions are classes. The file is checked
    in; a test keeps it equal to this (`python -m clinicapp.scheduling.grid`).
    """
    lines = ["/* Generated by `python -m clinicapp.scheduling.grid`: row placement of the",
             "   calendar grid (5-minute rows), see clinicapp/scheduling/grid.py. */"]
    lines += [f".cal-at-{n}{{grid-row-start:{n}}}" for n in range(1, MAX_ROWS + 1)]
    lines += [f".cal-len-{n}{{grid-row-end:span {n}}}" for n in range(1, MAX_ROWS + 1)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(rows_css(), end="")
