"""htmx requests, answered in one place: fragment or full page, and the `Vary` it implies.

Built on the htmx-flask extension (`request.htmx`: true for `HX-Request: true`, with
`history_restore_request` for `HX-History-Restore-Request`). What the extension does
not do is added here once:

- a history restore (htmx missed its history cache after Back, or a reload of a URL
  it pushed) asks with `HX-Request: true` too, but swaps the answer into the whole
  `<body>`: it must get the full page, never a fragment;
- a URL answered as a fragment for htmx and as a page otherwise must say
  `Vary: HX-Request`, or a browser or proxy cache serves one in place of the other.
  Every response whose handler asked `wants_fragment()` gets it (an after-request
  hook), so no handler adds it by hand.

Usage::

    if wants_fragment():
        return render_template("staff/_table.html", **context)
    return render_template("staff/index.html", **context)
"""
from __future__ import annotations

from flask import Flask, g, request
from htmx_flask import Htmx

VARIES = "_varies_on_htmx"  # set on `g` by wants_fragment(), read after the request


def wants_fragment() -> bool:
    """Does the request come from htmx for a part of a page (not a history restore)?

    Marks the response as varying on `HX-Request`.
    """
    setattr(g, VARIES, True)
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request


def add_vary(response):
    """`Vary: HX-Request` on a response that depended on it (after_request)."""
    if g.get(VARIES):
        response.vary.add("HX-Request")
    return response


class ClinicHtmx(Htmx):
    """htmx-flask's extension (`request.htmx`), plus the `Vary` hook above."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.after_request(add_vary)
