"""The calendar's dialogs and drag and drop, through the page endpoints (htmx).

Booking by clicking free time (an existing patient or a new one), the
patient-overlap confirmation, working-hours override, the clash named on a
taken slot; the appointment's dialog (status steps, change, cancel); moves and
resizes that the same conflict check refuses. Nothing is written on a refusal.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment
from tests.conftest import csrf_token
from tests.scheduling.conftest import at, future_day


@pytest.fixture
def desk_page(client, world, web_as):
    return web_as("receptionist", branches=[world.a])


@pytest.fixture
def post(client, desk_page):
    """post(url, data) as htmx does: X-CSRFToken and HX-Request headers."""
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))

    def send(url: str, data: dict, **headers):
        return client.post(url, data=data, headers={"HX-Request": "true", "X-CSRFToken": token,
                                                    **headers})

    return send


def count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Appointment))


def fresh(appointment_id: int) -> Appointment:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id)


def saved(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["calendar-saved"]


def booking(world, day, clock="10:00", **extra) -> dict:
    return {"doctor": world.doctor.id, "day": day.isoformat(), "time": clock,
            "service": world.service.id, "patient": world.patient.id, **extra}


def new_url(world) -> str:
    return f"/calendar/new?branch={world.a.id}"


# --- booking -------------------------------------------------------------------------

def test_new_dialog_is_prefilled_from_the_clicked_cell(client, world, desk_page):
    day = future_day(0)
    response = client.get(f"{new_url(world)}&doctor={world.other_doctor.id}&day={day}&time=14:15",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Новая запись" in html
    assert f'<option selected value="{world.other_doctor.id}">' in html
    assert f'value="{day.isoformat()}"' in html and 'value="14:15"' in html
    assert f'data-minutes="{world.service.duration_minutes}"' in html  # the service's length
    assert "Ближайшее свободное время" in html and "Новый пациент" in html
    bad = client.get(f"{new_url(world)}&time=25:99")
    assert bad.status_code == 400 and "time" in bad.get_data(as_text=True)


def test_book_an_existing_patient(client, world, post):
    day = future_day(0)
    response = post(new_url(world), booking(world, day, comment="Первый раз", is_primary="y"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True) == ""  # the dialog closes
    payload = saved(response)
    appointment = fresh(payload["id"])
    assert appointment.starts_at == at(day, "10:00")
    assert appointment.ends_at == at(day, "10:30")  # the service's 30 minutes
    assert appointment.source == "staff" and appointment.is_primary
    assert appointment.comment == "Первый раз" and appointment.status == "booked"
    assert "Пациентов Пётр" in payload["message"] and "10:00–10:30" in payload["message"]


def test_book_a_new_patient_typed_in(client, world, post):
    day = future_day(1)
    data = booking(world, day, "11:00", patient="", new_patient="y", last_name="Новенький",
                   first_name="Илья", phone="8 (916) 123-45-67", minutes="45")
    response = post(new_url(world), data)
    assert response.status_code == 200, response.get_data(as_text=True)
    appointment = fresh(saved(response)["id"])
    assert appointment.patient.last_name == "Новенький"
    assert appointment.patient.phone == "+79161234567"
    assert appointment.patient.clinic_id == world.a.id
    assert appointment.ends_at - appointment.starts_at == at(day, "11:45") - at(day, "11:00")


def test_typed_in_patient_with_a_phone_on_file_asks_whom_to_book(client, world, post):
    world.patient.phone = "+79161234567"
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count()).select_from(Patient))
    data = booking(world, future_day(1), patient="", new_patient="y", last_name="Пациентова",
                   first_name="Анна", phone="+7 916 123 45 67")
    response = post(new_url(world), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "С этим телефоном или e-mail уже есть пациент" in html and "Пациентов Пётр" in html
    assert f'data-use-patient="{world.patient.id}"' in html and "завести нового" in html
    assert html.count('role="alert"') == 1  # one message, not two
    assert db.session.scalar(db.select(db.func.count()).select_from(Patient)) == before
    assert count() == 0
    # «Это другой человек — завести нового»: a relative sharing the number.
    response = post(new_url(world), {**data, "force_new": "1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert fresh(saved(response)["id"]).patient.first_name == "Анна"
    # «Записать Пациентов П.»: the card on file.
    response = post(new_url(world), {**data, "new_patient": "", "patient": world.patient.id,
                                     "time": "12:00"})
    assert response.status_code == 200 and fresh(saved(response)["id"]).patient_id == \
        world.patient.id


def test_taken_time_names_the_clash(client, world, post, add_appointment):
    day = future_day(2)
    taken = add_appointment(at(day, "10:00"), patient=world.patient2)
    response = post(new_url(world), booking(world, day, "10:15"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Занято: Вторых О., 10:00–10:30" in html and "<html" not in html
    assert f"№{taken.id}" not in html
    assert count() == 1


def test_patient_overlap_asks_to_confirm(client, world, post, add_appointment):
    day = future_day(3)
    add_appointment(at(day, "10:00"), doctor=world.other_doctor)  # same patient, other doctor
    response = post(new_url(world), booking(world, day, "10:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Пациент в это время уже записан" in html and "Всё равно записать" in html
    assert 'name="confirm_overlap" type="hidden" value="1"' in html
    assert count() == 1  # nothing written yet
    response = post(new_url(world), booking(world, day, "10:00", confirm_overlap="1"))
    assert response.status_code == 200 and count() == 2


def test_outside_working_hours_offers_the_override(client, world, post):
    day = future_day(4)
    response = post(new_url(world), booking(world, day, "19:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Вне рабочего времени врача" in html and 'name="override_hours"' in html
    assert count() == 0
    response = post(new_url(world), booking(world, day, "19:00", override_hours="y"))
    assert response.status_code == 200
    appointment = fresh(saved(response)["id"])
    assert appointment.outside_hours
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "appointment.hours_overridden")) is not None


@pytest.mark.parametrize("change,field_text", [
    ({"patient": ""}, "Найдите и выберите пациента"),
    ({"time": ""}, "Обязательное поле"),
    ({"time": "9 утра"}, "ЧЧ:ММ"),
    ({"day": "завтра"}, "ДД.ММ.ГГГГ"),
    ({"minutes": "3"}, "От 5 до 720 минут"),
    ({"doctor": "999999"}, "Неверный вариант"),
])
def test_bad_input_is_named(client, world, post, change, field_text):
    response = post(new_url(world), {**booking(world, future_day(0)), **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<html" not in html
    assert field_text in html
    assert count() == 0


def test_past_time_is_refused(client, world, post):
    response = post(new_url(world), booking(world, future_day(0).replace(year=2024)))
    assert response.status_code == 400
    assert "Нельзя записать на прошедшее время" in response.get_data(as_text=True)


def test_csrf_and_roles(client, world, web_as, auth):
    web_as("receptionist", branches=[world.a])
    response = client.post(new_url(world), data=booking(world, future_day(0)),
                           headers={"HX-Request": "true"})
    assert response.status_code == 400 and count() == 0
    auth.logout()
    web_as("doctor", branches=[world.a])
    assert client.get(new_url(world)).status_code == 403
    auth.logout()
    web_as("receptionist", branches=[world.b])
    assert client.get(new_url(world)).status_code == 403


# --- the dialog's helpers --------------------------------------------------------------

def test_patient_search_in_the_dialog(client, world, desk_page):
    html = client.get("/calendar/patients?patient_query=Пациен").get_data(as_text=True)
    assert f'data-patient-id="{world.patient.id}"' in html and "Пациентов Пётр" in html
    assert f'data-patient-id="{world.patient2.id}"' not in html
    assert "cal-pick" not in client.get("/calendar/patients?patient_query=П").get_data(
        as_text=True)
    none = client.get("/calendar/patients?patient_query=Несуществующий").get_data(as_text=True)
    assert "Никого не нашлось" in none


def test_services_follow_the_doctor(client, world, desk_page):
    html = client.get(f"/calendar/services?branch={world.a.id}&doctor={world.doctor.id}"
                      ).get_data(as_text=True)
    assert world.service.name in html and 'data-minutes="30"' in html
    world.service.doctors = [world.other_doctor]
    db.session.commit()
    html = client.get(f"/calendar/services?branch={world.a.id}&doctor={world.doctor.id}"
                      ).get_data(as_text=True)
    assert world.service.name not in html and "Без услуги" in html


def test_first_free_slot(client, world, desk_page, add_appointment):
    day = future_day(5)
    add_appointment(at(day, "09:00"), at(day, "10:00"))
    html = client.get(f"/calendar/first-free?branch={world.a.id}&doctor={world.doctor.id}"
                      f"&service={world.service.id}&day={day}").get_data(as_text=True)
    assert 'value="10:00"' in html and f'value="{day.isoformat()}"' in html
    assert "Ближайшее свободное время" in html
    bad = client.get(f"/calendar/first-free?branch={world.a.id}&doctor=abc")
    assert bad.status_code == 400 and "doctor" in bad.get_data(as_text=True)


# --- one appointment -----------------------------------------------------------------

def test_future_appointments_offer_only_confirming(client, world, post, add_appointment):
    appointment = add_appointment(at(future_day(0), "09:00"))
    html = client.get(f"/calendar/appointments/{appointment.id}").get_data(as_text=True)
    assert "Подтвердить" in html
    for early in ("Пришёл", "Начать приём", "Не пришёл"):
        assert f">{early}</button>" not in html
    for status, message in (("arrived", "в день приёма"), ("no_show", "после начала приёма")):
        response = post(f"/calendar/appointments/{appointment.id}/status", {"status": status})
        assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert fresh(appointment.id).status == "booked"


def test_details_and_status_steps(client, world, post, add_appointment):
    from clinicapp.core.models import utcnow

    world.patient.phone = "+79161234567"
    db.session.commit()
    started = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    appointment = add_appointment(started, service=world.service)
    html = client.get(f"/calendar/appointments/{appointment.id}").get_data(as_text=True)
    assert "Пациентов Пётр" in html and "+7 916 123-45-67" in html and world.service.name in html
    for label in ("Подтвердить", "Пришёл", "Не пришёл", "Изменить", "Отменить запись"):
        assert label in html
    response = post(f"/calendar/appointments/{appointment.id}/status", {"status": "arrived"})
    assert response.status_code == 200 and fresh(appointment.id).status == "arrived"
    assert "Начать приём" in response.get_data(as_text=True)  # the next step offered
    refused = post(f"/calendar/appointments/{appointment.id}/status", {"status": "confirmed"})
    assert refused.status_code == 409 and "Нельзя сменить статус" in refused.get_data(as_text=True)
    assert fresh(appointment.id).status == "arrived"


def test_cancel_with_a_reason(client, world, post, add_appointment):
    appointment = add_appointment(at(future_day(1), "09:00"))
    response = post(f"/calendar/appointments/{appointment.id}/cancel",
                    {"reason": "Пациент попросил отменить"})
    assert response.status_code == 200 and saved(response)["removed"] is True
    row = fresh(appointment.id)
    assert row.status == "cancelled" and row.cancel_reason == "Пациент попросил отменить"
    again = post(f"/calendar/appointments/{appointment.id}/cancel", {"reason": ""})
    assert again.status_code == 409 and "нельзя отменить" in again.get_data(as_text=True)
    long = add_appointment(at(future_day(1), "11:00"))
    response = post(f"/calendar/appointments/{long.id}/cancel", {"reason": "я" * 300})
    assert response.status_code == 400 and fresh(long.id).status == "booked"


def test_edit_moves_and_changes(client, world, post, add_appointment):
    day = future_day(2)
    appointment = add_appointment(at(day, "09:00"), service=world.service)
    other = add_appointment(at(day, "11:00"), patient=world.patient2)
    html = client.get(f"/calendar/appointments/{appointment.id}/edit").get_data(as_text=True)
    assert 'value="09:00"' in html and 'value="30"' in html
    data = {"doctor": world.doctor.id, "day": day.isoformat(), "time": "10:00", "minutes": "45",
            "service": world.service.id, "comment": "Перенесли по звонку"}
    response = post(f"/calendar/appointments/{appointment.id}/edit", data)
    assert response.status_code == 200, response.get_data(as_text=True)
    row = fresh(appointment.id)
    assert row.starts_at == at(day, "10:00") and row.ends_at == at(day, "10:45")
    assert row.comment == "Перенесли по звонку"
    onto = post(f"/calendar/appointments/{appointment.id}/edit", {**data, "time": "10:30"})
    assert onto.status_code == 409
    assert "Занято: Вторых О., 11:00–11:30" in onto.get_data(as_text=True)
    assert f"№{other.id}" not in onto.get_data(as_text=True)
    assert fresh(appointment.id).starts_at == at(day, "10:00")


# --- drag and drop -------------------------------------------------------------------

def move_data(doctor, day, clock, **extra) -> dict:
    return {"doctor": doctor.id, "day": day.isoformat(), "time": clock, **extra}


def test_drag_to_free_time_and_another_doctor(client, world, post, add_appointment):
    day = future_day(3)
    appointment = add_appointment(at(day, "09:00"))
    response = post(f"/calendar/appointments/{appointment.id}/move?origin=480&last=1200",
                    move_data(world.other_doctor, day, "12:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert html.strip().startswith('<article class="cal-appt') and "12:00–12:30" in html
    assert f'data-column="{world.other_doctor.id}/{day.isoformat()}"' in html
    assert "cal-at-49 cal-len-6" in html
    row = fresh(appointment.id)
    assert row.employee_id == world.other_doctor.id and row.starts_at == at(day, "12:00")
    assert "Перенесено" in saved(response)["message"]


def test_resize_changes_the_end(client, world, post, add_appointment):
    day = future_day(3)
    appointment = add_appointment(at(day, "09:00"))
    response = post(f"/calendar/appointments/{appointment.id}/move",
                    move_data(world.doctor, day, "09:00", minutes="50"))
    assert response.status_code == 200
    row = fresh(appointment.id)
    assert row.starts_at == at(day, "09:00") and row.ends_at == at(day, "09:50")


def test_drag_onto_another_appointment_snaps_back(client, world, post, add_appointment):
    day = future_day(4)
    moving = add_appointment(at(day, "09:00"))
    other = add_appointment(at(day, "10:00"), patient=world.patient2)
    response = post(f"/calendar/appointments/{moving.id}/move",
                    move_data(world.doctor, day, "09:45"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-code="slot_taken"' in html and "Занято: Вторых О., 10:00–10:30" in html
    assert f"№{other.id}" not in html
    assert fresh(moving.id).starts_at == at(day, "09:00")


def test_drag_outside_hours_needs_the_override(client, world, post, add_appointment):
    day = future_day(4)
    appointment = add_appointment(at(day, "09:00"))
    response = post(f"/calendar/appointments/{appointment.id}/move",
                    move_data(world.doctor, day, "13:00"))
    assert response.status_code == 400
    assert 'data-code="outside_working_hours"' in response.get_data(as_text=True)
    assert fresh(appointment.id).starts_at == at(day, "09:00")
    response = post(f"/calendar/appointments/{appointment.id}/move",
                    move_data(world.doctor, day, "13:00", override_hours="y"))
    assert response.status_code == 200 and fresh(appointment.id).outside_hours


def test_drag_bad_input_and_finished_ones(client, world, post, add_appointment):
    day = future_day(5)
    appointment = add_appointment(at(day, "09:00"))
    response = post(f"/calendar/appointments/{appointment.id}/move",
                    {"doctor": world.doctor.id, "day": day.isoformat(), "time": "утро"})
    assert response.status_code == 400 and "ЧЧ:ММ" in response.get_data(as_text=True)
    done = add_appointment(at(day, "11:00"), status="completed")
    response = post(f"/calendar/appointments/{done.id}/move",
                    move_data(world.doctor, day, "12:00"))
    assert response.status_code == 409 and "нельзя перенести" in response.get_data(as_text=True)
    past = post(f"/calendar/appointments/{appointment.id}/move",
                move_data(world.doctor, day.replace(year=2024), "09:00"))
    assert past.status_code == 400 and fresh(appointment.id).starts_at == at(day, "09:00")


@pytest.mark.parametrize("role,branch", [("doctor", "a"), ("receptionist", "b")])
def test_drag_needs_the_right_role_and_branch(client, world, add_appointment, web_as, role,
                                              branch):
    day = future_day(5)
    appointment = add_appointment(at(day, "09:00"))
    web_as(role, branches=[getattr(world, branch)])
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))
    response = client.post(f"/calendar/appointments/{appointment.id}/move",
                           data=move_data(world.doctor, day, "10:00"),
                           headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert fresh(appointment.id).starts_at == at(day, "09:00")


# --- booking from the patient's card ---------------------------------------------------

def test_book_from_the_patient_card(client, world, desk_page):
    card = client.get(f"/calendar/patients/{world.patient.id}/appointments").get_data(
        as_text=True)
    link = f'href="/calendar/?patient={world.patient.id}"'
    assert link in card and "Записать на приём" in card
    page = client.get(f"/calendar/?patient={world.patient.id}").get_data(as_text=True)
    assert "Запись пациента" in page and "Пациентов Пётр" in page
    assert f"patient={world.patient.id}" in page  # carried into the dialog's URL
    dialog = client.get(f"{new_url(world)}&patient={world.patient.id}").get_data(as_text=True)
    assert f'id="cal-patient-id" name="patient" type="hidden" value="{world.patient.id}"' in dialog
    assert '<span id="cal-picked-label">Пациентов Пётр</span>' in dialog
    assert client.get("/calendar/?patient=999999").status_code == 400
    assert client.get("/calendar/?patient=abc").status_code == 400


def test_doctor_sees_no_booking_link(client, world, web_as):
    web_as("doctor", branches=[world.a])
    card = client.get(f"/calendar/patients/{world.patient.id}/appointments").get_data(
        as_text=True)
    assert "Записать на приём" not in card


def test_picked_patient_of_another_organization_is_not_shown(client, world, post):
    from clinicapp.org.models import Organization

    other = Organization(name="ООО Чужая")
    db.session.add(other)
    db.session.flush()
    stranger = Patient(organization_id=other.id, last_name="Чужой", first_name="Пациент",
                       extra_phones=[])
    db.session.add(stranger)
    db.session.commit()
    response = post(new_url(world), booking(world, future_day(0), patient=stranger.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Чужой" not in html and count() == 0
    assert client.get(f"/calendar/?patient={stranger.id}").status_code == 400


# --- odd input never writes half, never a 500 ------------------------------------------

def test_move_with_a_bad_grid_range_writes_nothing(client, world, post, add_appointment):
    day = future_day(2)
    appointment = add_appointment(at(day, "09:00"))
    response = post(f"/calendar/appointments/{appointment.id}/move?origin=abc",
                    move_data(world.doctor, day, "11:00"))
    assert response.status_code == 400 and "часов в минутах" in response.get_data(as_text=True)
    assert fresh(appointment.id).starts_at == at(day, "09:00")


@pytest.mark.parametrize("path", [
    "/calendar/?branch=%C2%B2",
    "/calendar/?patient=%C2%B2",
    "/calendar/new?branch=%C2%B2",
    "/calendar/new?branch={a}&doctor=%C2%B2",
    "/calendar/new?branch={a}&patient=99999999999",
    "/calendar/services?branch={a}&doctor=%C2%B2",
    "/calendar/first-free?branch={a}&doctor=%C2%B2",
    "/calendar/first-free?branch={a}&doctor={doctor}&minutes=%C2%B2",
    "/calendar/first-free?branch={a}&doctor={doctor}&service=%C2%B2",
    "/calendar/first-free?branch={a}&doctor={doctor}&day=9999-12-31",
    "/desk/?branch=%C2%B2",
])
def test_odd_ids_are_named_not_crashed(client, world, desk_page, path):
    response = client.get(path.format(a=world.a.id, doctor=world.doctor.id))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("url", ["new", "move", "edit"])
def test_far_dates_are_refused(client, world, post, add_appointment, url):
    appointment = add_appointment(at(future_day(1), "09:00"))
    data = {"doctor": world.doctor.id, "day": "9999-12-31", "time": "23:00", "minutes": "720",
            "patient": world.patient.id}
    target = {"new": new_url(world),
              "move": f"/calendar/appointments/{appointment.id}/move",
              "edit": f"/calendar/appointments/{appointment.id}/edit"}[url]
    response = post(target, data)
    assert response.status_code == 400
    assert "Год должен быть от 2000 до 2100" in response.get_data(as_text=True)
    assert count() == 1


def test_first_free_only_for_the_branch_doctors_and_their_services(client, world, desk_page,
                                                                   make_clinic):
    from tests.scheduling.conftest import make_doctor

    elsewhere = make_clinic("Клиника где-то ещё")
    outsider = make_doctor([elsewhere], "Секретный")
    response = client.get(f"/calendar/first-free?branch={world.a.id}&doctor={outsider.id}")
    assert response.status_code == 400 and "Секретный" not in response.get_data(as_text=True)
    world.service.doctors = [world.other_doctor]
    db.session.commit()
    response = client.get(f"/calendar/first-free?branch={world.a.id}&doctor={world.doctor.id}"
                          f"&service={world.service.id}")
    assert response.status_code == 400 and "не оказывает" in response.get_data(as_text=True)


def test_edit_changes_doctor_and_service_together(client, world, post, add_appointment):
    from decimal import Decimal

    from clinicapp.catalog.models import Service

    own = Service(code="X.1", name="Только у Другова", price=Decimal("1000"),
                  duration_minutes=30)
    own.clinics = [world.a]
    own.doctors = [world.other_doctor]
    world.service.doctors = [world.doctor]
    db.session.add(own)
    db.session.commit()
    day = future_day(3)
    appointment = add_appointment(at(day, "09:00"), service=world.service)
    response = post(f"/calendar/appointments/{appointment.id}/edit", {
        "doctor": world.other_doctor.id, "day": day.isoformat(), "time": "09:00",
        "minutes": "30", "service": own.id})
    assert response.status_code == 200, response.get_data(as_text=True)
    row = fresh(appointment.id)
    assert row.employee_id == world.other_doctor.id and row.service_id == own.id


def test_a_doctor_gone_from_the_branch_keeps_his_appointments_visible(client, world, post,
                                                                     add_appointment):
    day = future_day(4)
    appointment = add_appointment(at(day, "10:00"), doctor=world.other_doctor)
    world.other_doctor.is_active = False
    db.session.commit()
    html = client.get(f"/calendar/?date={day.isoformat()}").get_data(as_text=True)
    assert f'id="appt-{appointment.id}"' in html and "нет в расписании филиала" in html
    response = post(f"/calendar/appointments/{appointment.id}/edit", {
        "doctor": world.other_doctor.id, "day": day.isoformat(), "time": "10:00",
        "minutes": "30", "service": "0", "comment": "Позвонить"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert fresh(appointment.id).comment == "Позвонить"


def test_htmx_refusals_are_fragments(client, world, desk_page):
    response = client.get("/calendar/appointments/999999", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "<html" not in html and 'role="alert"' in html
    page = client.get("/calendar/appointments/999999")
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)


def test_a_time_skipped_by_dst_is_refused(client, world, web_as, make_clinic):
    from tests.scheduling.conftest import make_doctor

    berlin = make_clinic("Клиника в Берлине", "Europe/Berlin")
    doctor = make_doctor([berlin], "Берлинов", hours=(("00:00", "06:00"),))
    patient = Patient(organization_id=berlin.organization_id, last_name="Шмидт",
                      first_name="Анна", extra_phones=[])
    db.session.add(patient)
    db.session.commit()
    web_as("receptionist", branches=[berlin])
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))
    data = {"doctor": doctor.id, "day": "2027-03-28", "time": "02:30", "minutes": "30",
            "patient": patient.id}
    response = client.post(f"/calendar/new?branch={berlin.id}", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 400 and "перевод часов" in response.get_data(as_text=True)
    assert count() == 0
    response = client.post(f"/calendar/new?branch={berlin.id}", data={**data, "time": "03:00"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_drag_messages_say_what_happened(client, world, post, add_appointment):
    day = future_day(3)
    moving = add_appointment(at(day, "09:00"))
    add_appointment(at(day, "11:00"), doctor=world.other_doctor)  # the same patient elsewhere
    response = post(f"/calendar/appointments/{moving.id}/move",
                    move_data(world.doctor, day, "11:00"))
    payload = saved(response)
    assert payload["message"].startswith("Перенесено: ") and "Внимание:" in payload["message"]
    assert payload["warning"] is True
    response = post(f"/calendar/appointments/{moving.id}/move",
                    move_data(world.doctor, day, "11:00", minutes="45"))
    assert saved(response)["message"].startswith("Длительность изменена: ")
    refused = post(f"/calendar/appointments/{moving.id}/move",
                   move_data(world.other_doctor, day, "11:00"))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "start_datetime" not in text
    assert "Занято: Пациентов П., 11:00–11:30" in text


def test_new_dialog_starts_with_half_an_hour(client, world, desk_page):
    html = client.get(f"{new_url(world)}&doctor={world.doctor.id}&time=10:00").get_data(
        as_text=True)
    minutes = html[html.index('id="minutes"'):]
    assert 'value="30"' in minutes[:minutes.index(">")]


def test_appointments_hit_by_an_absence_are_marked(client, world, desk_page, add_appointment):
    from tests.scheduling.conftest import add_exception

    day = future_day(4)
    appointment = add_appointment(at(day, "10:00"))
    html = client.get(f"/calendar/?date={day.isoformat()}").get_data(as_text=True)
    assert "is-outside" not in html.split(f'id="appt-{appointment.id}"')[0][-400:]
    add_exception(world.doctor, day, "sick_leave")
    html = client.get(f"/calendar/?date={day.isoformat()}").get_data(as_text=True)
    block = html[html.rindex('<article', 0, html.index(f'id="appt-{appointment.id}"')):]
    assert "is-outside" in block[:block.index(">")] and "вне рабочего времени врача" in block
    single = client.get(f"/calendar/appointments/{appointment.id}/block").get_data(as_text=True)
    assert "is-outside" in single
