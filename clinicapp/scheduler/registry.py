"""The periodic jobs features register: a name, what it runs, how often by default."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app

JOBS_KEY = "clinicapp.scheduler.jobs"


@dataclass(frozen=True)
class Job:
    name: str  # also the job's CLI command, where it has one (mark-no-shows)
    run: Callable[[], str | None]  # does the work; returns a short summary for the admin page
    every_minutes: int  # the default; the schedule row keeps what an administrator set
    label: str  # lazy_gettext


def register_job(app: Flask, name: str, run: Callable[[], str | None], *,
                 every_minutes: int, label: str) -> None:
    """Run `run()` every `every_minutes` (changeable on /admin/schedule).

    The scheduler calls it in an app context and commits what it wrote (rolls
    back when it raises); only one scheduler instance runs a job at a time.
    """
    app.extensions.setdefault(JOBS_KEY, {})[name] = Job(name, run, every_minutes, label)


def registered_jobs() -> dict[str, Job]:
    return current_app.extensions.get(JOBS_KEY, {})
