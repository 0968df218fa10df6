"""Page actions, one shape: validate the form, call the service, commit once, answer;
on a refusal roll back and show it. Full pages and htmx fragments alike.

Services flush and raise DomainError; the request commits once (ARCHITECTURE.md §2).
`perform` is that request's part for every page handler that changes something:

    @bp.route("/services/new", methods=["GET", "POST"])
    def service_new():
        form = ServiceForm()
        return perform(
            lambda: services.create_service(current_user, **form.values()), form=form,
            on_success=lambda service: answer(url_for("catalog.index"),
                                              _("Услуга «%(name)s» добавлена",
                                                name=service.name)),
            on_refusal=lambda error: (render_template("catalog/service_form.html", form=form),
                                      form_status(form)))

`on_refusal(error)` renders the form again (it is required with a form): on a GET
(`error` is None) as it is, for an invalid form with its messages under the fields
(`error` is a FormInvalid, 400), for a refusal of the service with its messages put
on the form by `show` (by default under the fields it names, the rest above the form).
A post → redirect → get page answers `form_status(form)` (400 whenever the form shows
errors); a dialog or a fragment answers the refusal's own code, `status_of(error)`
(400, 403, 404, 409).

An action that htmx posts (a button in a fragment) answers both ways with `answer`:
htmx gets the fragment, a full page (no JavaScript) is redirected with a flash:

    back = url_for("visits.today", branch=clinic.id)
    return perform(
        lambda: change_status(user, appointment, status),
        on_success=lambda result: answer(back, _("Пришёл"), fragment=lambda: board()),
        on_refusal=lambda error: answer(back, error.detail, "error", fragment=lambda: (
            board(error=error.detail), error.status_code)))

Messages are in the reader's language (`_()`, flask_babel's gettext); a service's
refusal already is.

Without `on_refusal` a refusal goes to the app's error handler (core/http.py): the
error page, or the message alone for htmx, with the error's status code.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect

from ..extensions import db
from .errors import DomainError
from .forms import form_refusal, show_errors
from .htmx import wants_fragment
from .http import settle_failure

T = TypeVar("T")


def perform(action: Callable[[], T], *, form=None,
            show: Callable[[object, DomainError], None] | None = show_errors,
            on_success: Callable[[T], object],
            on_refusal: Callable[[DomainError | None], object] | None = None):
    """Run a page action as the request's one transaction and answer.

    1. With `form`: not sent (a GET) → `on_refusal(None)`; sent but invalid →
       `on_refusal(FormInvalid)`. Nothing is called, nothing written.
    2. `result = action()` (the service call), then one commit → `on_success(result)`.
    3. A DomainError from the action: everything it did is rolled back (an error's
       own bookkeeping, e.g. a sign-in failure counter, is kept: core.http.settle_failure),
       `show(form, error)` puts it on the form (`show=None`: the page shows it its own
       way), and `on_refusal(error)` answers.
    """
    if form is not None and not form.validate_on_submit():
        return on_refusal(form_refusal(form) if form.is_submitted() else None)
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        if on_refusal is None:
            raise  # core/http settles it and answers with the error page
        error = settle_failure(error)
        if form is not None and show is not None:
            show(form, error)
        return on_refusal(error)
    return on_success(result)


def answer(url: str, message: str | None = None, category: str = "success", *,
           fragment: Callable[[], object] | None = None):
    """An action's answer: htmx gets `fragment()` when there is one; a full page is
    sent to `url` with `message` flashed (post → redirect → get)."""
    if fragment is not None and wants_fragment():
        return fragment()
    if message:
        flash(message, category)
    return redirect(url)


def status_of(error: DomainError | None) -> int:
    """A refusal's own status code; 200 when there is none (the form was not sent)."""
    return 200 if error is None else error.status_code
