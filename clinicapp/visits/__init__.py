"""Visits at the front desk: arrival, the doctor's appointment, the end."""
