"""Working hours, appointments, slots, the live staff calendar."""
