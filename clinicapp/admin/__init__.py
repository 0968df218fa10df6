"""Administration pages: users (later: dashboard, audit log)."""
