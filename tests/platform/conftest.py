"""The platform tests borrow the scheduling tests' world where a feature is exercised."""
from tests.scheduling.conftest import add_appointment, api_as, desk, world  # noqa: F401
