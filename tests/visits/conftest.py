"""The visits tests use the scheduling tests' world: branches, doctors, patients, callers."""
from tests.scheduling.conftest import add_appointment, api_as, desk, world  # noqa: F401
from tests.scheduling.test_calendar_page import count_queries  # noqa: F401
