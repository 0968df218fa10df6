"""Employees and doctors (a doctor is an employee who can be booked)."""
