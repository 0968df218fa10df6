"""Patients: the people the clinics treat."""
