"""Price list pages: the category tree with its search, the service form with its price
history (planned changes too), xlsx import/export."""
from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..core.actions import answer, perform
from ..core.errors import PermissionDenied, ValidationFailed
from ..core.forms import FormInvalid, form_status
from ..core.htmx import wants_fragment
from ..core.money import format_money
from ..core.permissions import has_permission, require_permission
from ..core.routing import MAX_ID
from ..org import clock
from . import queries, services, xlsx
from .forms import ImportForm, ServiceForm

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

BAD_MOVE = _l("Не удалось понять, куда перенести категорию. Обновите страницу.")
SEARCH_MAX = 100


# --- the tree ---------------------------------------------------------------------------

def _search() -> str:
    """The price list's search as typed (the page's ?q=, or a tree action's own q)."""
    return request.values.get("q", "").strip()[:SEARCH_MAX]


@bp.route("/")
@login_required
@require_permission("catalog.view")
def index():
    """The price list; with ?q= only what matches. htmx (search as you type, tree
    actions) gets the tree fragment alone."""
    if wants_fragment():
        return _tree()
    return render_template("catalog/index.html", **_tree_context())


def _tree_context(error: str | None = None, notice: str | None = None) -> dict:
    found = queries.price_list(_search())
    nodes = queries.flatten(found.tree)
    below = {node["id"]: {n["id"] for n in queries.flatten(node["children"])} | {node["id"]}
             for node in nodes}
    return {"tree": found.tree, "loose": found.loose, "prices": found.prices,
            "found": found.found, "q": _search(), "searching": bool(found.search),
            "choices": found.choices,
            "below": below, "manage": has_permission(current_user, "catalog.manage"),
            "error": error, "notice": notice}


def _tree(*, error: str | None = None, notice: str | None = None, status: int = 200):
    return render_template("catalog/_tree.html", **_tree_context(error, notice)), status


def _change_tree(change, notice):
    """Run `change()` (it returns the category) as the request's page action.

    htmx (and the drag-and-drop script) get the tree fragment, with the refusal and its
    status code when the change is refused; a plain form post goes back to the page.
    `notice(category)` is the message of a success.
    """
    back = url_for("catalog.index", q=_search() or None)

    def changed(category):
        message = notice(category)
        return answer(back, message, fragment=lambda: _tree(notice=message))

    return perform(change, on_success=changed, on_refusal=lambda error: answer(
        back, error.detail, "error",
        fragment=lambda: _tree(error=error.detail, status=error.status_code)))


def _optional_int(value, field: str, minimum: int = 0) -> int | None:
    if value in (None, "", "null"):
        return None
    if isinstance(value, bool):
        raise ValidationFailed(str(BAD_MOVE), details={field: [str(BAD_MOVE)]})
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(str(BAD_MOVE), details={field: [str(BAD_MOVE)]}) from exc
    if not minimum <= number <= MAX_ID:
        raise ValidationFailed(str(BAD_MOVE), details={field: [str(BAD_MOVE)]})
    return number


@bp.route("/categories", methods=["POST"])
@login_required
@require_permission("catalog.manage")
def category_create():
    return _change_tree(lambda: services.create_category(
        current_user, name=request.form.get("name", ""),
        parent=_optional_int(request.form.get("parent"), "parent", 1)),
        lambda category: _("Категория «%(name)s» добавлена", name=category.name))


@bp.route("/categories/<int:category_id>", methods=["POST"])
@login_required
@require_permission("catalog.manage")
def category_update(category_id: int):
    """Inline edit: name, parent (at the end of its children) and the active flag."""

    def change():
        category = services.get_category(category_id)
        parent = _optional_int(request.form.get("parent"), "parent", 1)
        changes = {"name": request.form.get("name", ""),
                   "is_active": request.form.get("is_active") == "y"}
        if parent != category.parent_id:
            changes["parent"] = parent
        return services.update_category(current_user, category, **changes)

    return _change_tree(change, lambda category: _("Категория «%(name)s» сохранена",
                                                   name=category.name))


@bp.route("/categories/<int:category_id>/move", methods=["POST"])
@login_required
@require_permission("catalog.manage")
def category_move(category_id: int):
    """Drag and drop: {parent_id, position} as JSON or a form; answers with the tree fragment."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = request.form
    return _change_tree(lambda: services.update_category(
        current_user, services.get_category(category_id),
        parent=_optional_int(data.get("parent_id"), "parent", 1),
        position=_optional_int(data.get("position"), "position")),
        lambda category: _("Категория «%(name)s» перенесена", name=category.name))


# --- services ------------------------------------------------------------------------------

def _service_form(service=None) -> ServiceForm:
    form = ServiceForm(obj=None)
    form.set_choices(queries.category_choices(), queries.clinic_choices(),
                     queries.doctor_choices())
    if service is not None and request.method == "GET":
        form.fill(service, queries.price_in_force(service))
    return form


@bp.route("/services/new", methods=["GET", "POST"])
@login_required
@require_permission("catalog.manage")
def service_new():
    form = _service_form()
    if request.method == "GET" and request.args.get("category"):
        form.category.data = request.args["category"]
    return perform(
        lambda: services.create_service(current_user, **form.values()), form=form,
        on_success=lambda service: answer(
            url_for("catalog.index"), _("Услуга «%(name)s» добавлена", name=service.name)),
        on_refusal=lambda _error: (render_template(
            "catalog/service_form.html", form=form, service=None, history=[], authors={},
            editable=True), form_status(form)))


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@login_required
@require_permission("catalog.view")
def service_edit(service_id: int):
    """The form for managers; everyone with catalog.view sees it read-only with the history
    (planned prices marked, and for managers a button to cancel each)."""
    service = services.get_service(service_id)
    editable = has_permission(current_user, "catalog.manage")
    if request.method == "POST" and not editable:
        raise PermissionDenied(_("Недостаточно прав для этого действия"))
    form = _service_form(service)

    def shown(error):
        # After a refusal the rollback dropped what the service set: read it again.
        stored = services.get_service(service_id) if error is not None else service
        history = queries.price_history(stored)
        # The catalog belongs to no branch: its history is on the organization's clock.
        return render_template("catalog/service_form.html", form=form, service=stored,
                               history=history, authors=queries.user_names(history),
                               zone=clock.organization_zone(),
                               today=clock.organization_today(), editable=editable), \
            form_status(form)

    return perform(
        lambda: services.update_service(current_user, service, **form.values(planned=True)),
        form=form,
        on_success=lambda _result: answer(
            url_for("catalog.service_edit", service_id=service.id),
            _("Услуга «%(name)s» сохранена", name=service.name)),
        on_refusal=shown)


@bp.route("/services/<int:service_id>/prices/<int:entry_id>/cancel", methods=["POST"])
@login_required
@require_permission("catalog.manage")
def price_cancel(service_id: int, entry_id: int):
    """Cancel a planned price (before its day); back to the service with what happened."""
    service = services.get_service(service_id)
    back = url_for("catalog.service_edit", service_id=service.id)
    return perform(
        lambda: services.cancel_planned_price(current_user, service, entry_id),
        on_success=lambda entry: answer(back, _(
            "Цена %(price)s с %(day)s отменена", price=format_money(entry.price),
            day=format_date(entry.effective_from, "short"))),
        on_refusal=lambda error: answer(back, error.detail, "error"))


# --- xlsx -------------------------------------------------------------------------------

@bp.route("/export.xlsx")
@login_required
@require_permission("catalog.manage")
def export_xlsx():
    data = xlsx.export_price_list()
    return send_file(BytesIO(data), as_attachment=True,
                     download_name=f"prais-list-{clock.organization_today():%Y-%m-%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/import", methods=["GET", "POST"])
@login_required
@require_permission("catalog.manage")
def import_xlsx():
    """Upload → check every row → write all rows or none, and show the row report."""
    form = ImportForm()

    def load() -> xlsx.ImportReport:
        try:
            report = xlsx.import_price_list(current_user, form.file.data.stream)
        except xlsx.ImportFileError as error:
            raise ValidationFailed(str(error), details={"file": [str(error)]}) from error
        if not report.ok:
            raise RowsRefused(report)  # nothing is written: the rows are listed instead
        return report

    def report_page(report: xlsx.ImportReport):
        return render_template("catalog/import_report.html", report=report,
                               filename=form.file.data.filename), 200 if report.ok else 400

    def refused(error):
        if isinstance(error, RowsRefused):
            return report_page(error.report)
        # The page shows a refusal in its own banner (file_error), not on the form.
        file_error = None if error is None or isinstance(error, FormInvalid) else error.detail
        return render_template("catalog/import.html", form=form, file_error=file_error,
                               headers=xlsx.header_line(), max_rows=xlsx.MAX_ROWS), \
            200 if error is None else 400

    return perform(load, form=form, show=None, on_success=report_page,
                   on_refusal=refused)


class RowsRefused(ValidationFailed):
    """Rows of the file are wrong: the report lists them, and nothing is written."""

    def __init__(self, report: xlsx.ImportReport) -> None:
        super().__init__(_("В файле есть ошибки: ничего не записано"))
        self.report = report
