"""Append-only audit trail of changes to money, schedules, people, permissions."""
