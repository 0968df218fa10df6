"""Scheduling: doctors' working hours, free slots, appointments and the staff calendar.

Its pages are one blueprint, `scheduling` (under /calendar/), whose routes live in
views.py (the calendar, blocks, the card's list), booking.py (the new-appointment
dialog), actions.py (one appointment's dialog, drag and drop) and hours_page.py (a
doctor's working hours); clinicapp/web.py imports them to register it.
"""
from flask import Blueprint

bp = Blueprint("scheduling", __name__, url_prefix="/calendar")
