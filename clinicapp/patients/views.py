"""Patient pages: search-as-you-type list, the patient card, the form, the invitation."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..core.actions import answer, perform, status_of
from ..core.emails import recipient_language, written_for
from ..core.errors import Conflict
from ..core.forms import form_status
from ..core.htmx import wants_fragment
from ..core.pagination import Page, page_number
from ..core.permissions import has_permission, require_permission
from ..core.phones import display_phone
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.clock import local_text, person_zone
from ..org.models import Clinic
from ..org.queries import require_own_organization
from . import queries, services
from .forms import InviteForm, PatientForm, document_label, language_name
from .models import Patient

bp = Blueprint("patients", __name__, url_prefix="/patients")

PAGE_SIZE = 25
# The list counts matches up to this many: "более 1000" is enough to ask for more letters.
COUNT_LIMIT = 1000


def _zone():
    """The time zone dates are typed and shown in: the user's own (org.clock.person_zone)."""
    return person_zone(current_user)


def local_time(moment: datetime | None) -> str:
    return local_text(moment, _zone())


def notification_language(patient: Patient) -> str:
    """The language the patient is written to, named in the reader's language; the clinic's
    default one said as such."""
    if patient.language:
        return language_name(patient.language)
    default = language_name(current_app.config["BABEL_DEFAULT_LOCALE"])
    return _("как в клинике (%(language)s)", language=default)


@bp.context_processor
def _helpers() -> dict:
    return {"format_phone": display_phone, "local_time": local_time,
            "document_label": document_label, "notification_language": notification_language}


def _organization():
    return require_own_organization(current_user)


def _patient(patient_id: int):
    return queries.get_patient(_organization().id, patient_id)


def _form(patient=None) -> PatientForm:
    form = PatientForm(obj=patient)
    organization = _organization()
    statement = db.select(Clinic).where(Clinic.organization_id == organization.id)
    visible = visible_branch_ids(current_user)
    if visible is not None:
        # The patient's own branch stays selectable even when it is not the user's.
        keep = [patient.clinic_id] if patient is not None and patient.clinic_id else []
        statement = statement.where(Clinic.id.in_(visible + keep))
    form.clinic_id.choices = [SelectChoice(0, _("не указан"))] + [
        SelectChoice(c.id, c.name) for c in db.session.scalars(statement.order_by(Clinic.name))]
    if patient is not None and request.method == "GET":
        form.extra_phones.data = ", ".join(patient.extra_phones or [])
        form.consent.data = patient.consent_at is not None
        form.consent_at.data = (patient.consent_at.astimezone(_zone()).replace(tzinfo=None)
                                if patient.consent_at else None)
        form.clinic_id.data = patient.clinic_id or 0
    elif patient is None and request.method == "GET" and current_user.branches:
        form.clinic_id.data = current_user.branches[0].id
    return form


def _form_data(form: PatientForm, patient=None) -> dict:
    data = form.service_data()
    consent_at = data["consent_at"]
    if consent_at is not None and consent_at.tzinfo is None:
        consent_at = consent_at.replace(tzinfo=_zone())
    # The form shows minutes: an unchanged minute keeps the stored moment.
    if (patient is not None and patient.consent_at and consent_at
            and consent_at.replace(second=0, microsecond=0)
            == patient.consent_at.replace(second=0, microsecond=0)):
        consent_at = patient.consent_at
    data["consent_at"] = consent_at
    return data


@bp.route("/")
@login_required
@require_permission("patients.view")
def index():
    """The list: search-as-you-type by name, phone or birth date, paged."""
    query = (request.args.get("q") or "").strip()[:100]
    page = page_number(request.args.get("page"), COUNT_LIMIT // PAGE_SIZE)
    items, counted = queries.page_of_patients(_organization().id, query, PAGE_SIZE,
                                              (page - 1) * PAGE_SIZE, count_cap=COUNT_LIMIT)
    pagination = Page(items, page, PAGE_SIZE, min(counted, COUNT_LIMIT), counted > COUNT_LIMIT)
    # The search box pushes its URL (hx-push-url): a history restore gets the whole page.
    template = "patients/_results.html" if wants_fragment() else "patients/index.html"
    return render_template(template, page=pagination, q=query)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require_permission("patients.manage")
def new():
    """Register a patient; a duplicate by phone or e-mail asks before creating."""
    form = _form()

    def shown(error):
        duplicate = _duplicate_of(error)
        if duplicate is not None:
            form.form_errors.clear()  # the warning with the card on file says it all
        status = 409 if duplicate else form_status(form)
        return render_template("patients/form.html", form=form, patient=None,
                               duplicate=duplicate), status

    return perform(
        lambda: services.create_patient(current_user, _organization(), _form_data(form),
                                        force=form.force.data),
        form=form,
        on_success=lambda patient: answer(url_for("patients.card", patient_id=patient.id),
                                          _("Пациент %(name)s зарегистрирован",
                                            name=patient.full_name)),
        on_refusal=shown)


def _duplicate_of(error) -> Patient | None:
    """The card on file when `error` says the patient is already registered."""
    if isinstance(error, Conflict) and error.code == "duplicate_patient":
        existing_id = error.details.get("existing_id")
        return db.session.get(Patient, existing_id) if existing_id else None
    return None


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("patients.manage")
def edit(patient_id: int):
    patient = _patient(patient_id)
    form = _form(patient)
    return perform(
        lambda: services.update_patient(current_user, patient, _form_data(form, patient)),
        form=form,
        on_success=lambda changed: answer(url_for("patients.card", patient_id=patient.id),
                                          _("Изменения сохранены")),
        on_refusal=lambda error: (render_template("patients/form.html", form=form,
                                                  patient=patient, duplicate=None),
                                  form_status(form)))


@bp.route("/<int:patient_id>")
@login_required
@require_permission("patients.view")
def card(patient_id: int):
    """The patient card: details, appointments, visits, invoices."""
    patient = _patient(patient_id)
    return render_template("patients/card.html", patient=patient, invite_form=InviteForm(),
                           invited=None, private=has_permission(current_user, "patients.manage"))


@bp.route("/<int:patient_id>/invite", methods=["POST"])
@login_required
@require_permission("patients.manage")
def invite(patient_id: int):
    """Create the patient's cabinet login; the one-time password is shown once, here."""
    patient = _patient(patient_id)
    form = InviteForm()

    def card_with(invited=None, error=None):
        # After a refusal the rollback dropped what the service set: read it again.
        shown = _patient(patient_id) if error is not None else patient
        return render_template("patients/card.html", patient=shown, invite_form=form,
                               invited=invited, private=True), status_of(error)

    def invited(created):
        user, password = created
        return card_with(invited={
            "email": user.email, "password": password,
            "message": invitation_message(patient, user.email, password),
            "language": language_name(recipient_language(patient))})

    return perform(
        lambda: services.invite_to_cabinet(current_user, patient, form.email.data), form=form,
        on_success=invited, on_refusal=lambda error: card_with(error=error))


def invitation_message(patient: Patient, login: str, password: str) -> str:
    """What the desk sends the patient (a message, an SMS): where to sign in, the login and
    the one-time password, in the patient's own language, whatever the page's."""
    organization, sign_in = _organization(), url_for("auth.login", _external=True)
    # «Здравствуйте, Асель Маратовна!»: the name and patronymic, as a clinic addresses people.
    name = " ".join(part for part in (patient.first_name, patient.middle_name) if part)
    with written_for(patient):
        return "\n".join((
            _("Здравствуйте, %(name)s!", name=name or patient.full_name),
            "",
            _("Для вас открыт личный кабинет пациента «%(clinic)s».", clinic=organization.name),
            _("Вход: %(url)s", url=sign_in),
            _("Логин: %(login)s", login=login),
            _("Одноразовый пароль: %(password)s", password=password),
            "",
            _("При первом входе смените пароль и никому его не сообщайте, даже сотрудникам "
              "клиники."),
        ))
