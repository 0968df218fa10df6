"""Organization and its clinics (branches)."""
