"""A person's favourite clinics and doctors (document 001)."""
