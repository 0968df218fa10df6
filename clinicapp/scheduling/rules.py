"""Small pure rules of appointments: times, who and what fits a branch, status names and
transitions, text fields, spans. Field names in errors are document 002's."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..core.errors import Conflict, ValidationFailed
from ..org.clock import branch_zone, date_text
from .slots import exists_locally

# One voice, the patient's, as front desks say it: «Записан», «Пришёл», «Не пришёл».
STATUS_LABELS = {
    "booked": _l("Записан"),
    "confirmed": _l("Подтвердил"),
    "arrived": _l("Пришёл"),
    "in_progress": _l("На приёме"),
    "completed": _l("Принят"),
    "cancelled": _l("Отменена"),  # the booking, not the patient: either side may cancel
    "no_show": _l("Не пришёл"),
}
SOURCE_LABELS = {"staff": _l("регистратурой"), "web": _l("на сайте"),
                 "mobile": _l("в приложении"), "cabinet": _l("в личном кабинете")}
WEEKDAY_SHORT = (_l("Пн"), _l("Вт"), _l("Ср"), _l("Чт"), _l("Пт"), _l("Сб"), _l("Вс"))
KIND_LABELS = {"day_off": _l("Выходной"), "vacation": _l("Отпуск"),
               "sick_leave": _l("Больничный"), "extra_shift": _l("Дополнительная смена")}
# Who may book a start that has already passed today (audited as recorded after the fact).
RECORD_PAST = "calendar.record_past"
# Forward along the chain, skipping steps if need be; no-show before the visit;
# a late arrival after a no-show. Cancelling has its own verb and rules.
CHAIN = ("booked", "confirmed", "arrived", "in_progress", "completed")
EXTRA_TRANSITIONS = {"booked": {"no_show"}, "confirmed": {"no_show"}, "no_show": {"arrived"}}
MAX_COMMENT = 2000
MAX_REASON = 255
MAX_LENGTH = timedelta(hours=12)
MIN_YEAR, MAX_YEAR = 2000, 2100


def as_utc(moment: datetime, clinic, field: str = "start_datetime") -> datetime:
    """The instant in UTC; a naive time is read on the branch's wall clock.

    Raises ValidationFailed naming `field` for a date outside 2000–2100 and for a
    wall-clock time a DST change skips (02:30 on a spring-forward night).
    """
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValidationFailed(
            _("%(field)s: дата вне диапазона %(first)s–%(last)s", field=field, first=MIN_YEAR,
              last=MAX_YEAR),
            details={field: [_("Год должен быть от %(first)s до %(last)s", first=MIN_YEAR,
                               last=MAX_YEAR)]})
    if moment.tzinfo is None:
        zone = branch_zone(clinic)
        if not exists_locally(moment.date(), moment.time(), zone):
            message = _("Такого времени %(day)s нет (перевод часов)",
                        day=date_text(moment))
            raise ValidationFailed(f"{field}: {message}", details={field: [message]})
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def check_times(start: datetime, end: datetime, *, now: datetime, past_allowed: bool,
                errors: dict) -> None:
    """Collect in `errors` an end not after the start, a too long one, a start in the past."""
    if end <= start:
        errors["end_datetime"] = [_("Окончание приёма должно быть позже начала")]
    elif end - start > MAX_LENGTH:
        errors["end_datetime"] = [_("Приём не может длиться больше 12 часов")]
    if not past_allowed and start < now:
        errors["start_datetime"] = [_("Нельзя записать на прошедшее время")]


def check_doctor(clinic, doctor, errors: dict) -> None:
    """Collect in `errors` (as `employee`) a doctor who does not see patients in `clinic`."""
    if not doctor.is_doctor or not doctor.is_active:
        errors["employee"] = [_("Сотрудник не ведёт приём")]
    elif all(branch.id != clinic.id for branch in doctor.branches):
        errors["employee"] = [_("%(doctor)s не работает в филиале «%(branch)s»",
                                doctor=doctor.full_name, branch=clinic.name)]


def check_service(service, clinic, doctor, errors: dict) -> None:
    """Collect in `errors` (as `service`) a service the doctor does not give in `clinic`."""
    if service is None:
        return
    if not service.is_active:
        errors["service"] = [_("Услуга не оказывается")]
    elif all(branch.id != clinic.id for branch in service.clinics):
        errors["service"] = [_("Услугу «%(service)s» не оказывают в филиале «%(branch)s»",
                               service=service.name, branch=clinic.name)]
    elif all(person.id != doctor.id for person in service.doctors):
        errors["service"] = [_("%(doctor)s не оказывает услугу «%(service)s»",
                               doctor=doctor.full_name, service=service.name)]


def summary(errors: dict) -> str:
    """`field: message; field: message` — the detail line of a validation error."""
    return "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items())


def raise_if_any(errors: dict) -> None:
    """ValidationFailed naming every field collected in `errors`, if any."""
    if errors:
        raise ValidationFailed(summary(errors), details=errors)


def status_label(status: str) -> str:
    """The status as people say it («Записан»), in the reader's language."""
    return str(STATUS_LABELS.get(status, status))


def allowed_transitions(status: str) -> set[str]:
    """The statuses an appointment in `status` may move to (besides cancelling)."""
    following = set(CHAIN[CHAIN.index(status) + 1:]) if status in CHAIN else set()
    return following | EXTRA_TRANSITIONS.get(status, set())


def check_transition(before: str, after: str) -> None:
    """Raises Conflict unless `before` → `after` is allowed."""
    if after not in allowed_transitions(before):
        names = {"before": status_label(before), "after": status_label(after)}
        raise Conflict(_("Нельзя сменить статус «%(before)s» на «%(after)s»", **names),
                       code="status_transition",
                       details={"status": [_("Из «%(before)s» нельзя перейти в «%(after)s»",
                                             **names)]})


def _text(value, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationFailed(f"{field}: {too_long(limit, capital=False)}",
                               details={field: [too_long(limit)]})
    return value or None


def too_long(limit: int, capital: bool = True) -> str:
    """«Не длиннее 255 символов»: the message of a text over its limit."""
    if capital:
        return ngettext("Не длиннее %(num)d символа", "Не длиннее %(num)d символов", limit)
    return ngettext("не длиннее %(num)d символа", "не длиннее %(num)d символов", limit)


def clean_comment(value) -> str | None:
    return _text(value, "comment", MAX_COMMENT)


def clean_reason(value) -> str | None:
    return _text(value, "reason", MAX_REASON)


def span_text(appointment) -> str:
    """`15.01.2024 10:00–10:30` (the date the reader's way) on the branch's wall clock."""
    zone = branch_zone(appointment.clinic)
    start, end = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    return f"{date_text(start)} {start:%H:%M}–{end:%H:%M}"
