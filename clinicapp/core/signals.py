"""Named signals through which features react to each other (ARCHITECTURE §11).

Handlers run inside the sender's transaction; after-commit work goes through
`core.after_commit`.
"""
from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
