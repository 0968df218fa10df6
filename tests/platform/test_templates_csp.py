"""The Content-Security-Policy allows no inline script, so an inline event handler
(`onchange="…"`) silently does nothing in the browser: none may be written."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def test_no_template_has_an_inline_event_handler():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / "templates").rglob("*.html"))
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if INLINE_HANDLER.search(line)]
    assert not offenders, "use data-autosubmit or static/js instead:\n" + "\n".join(offenders)
