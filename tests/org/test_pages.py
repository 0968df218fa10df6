"""The clinic settings pages: who sees and who edits, the forms' validation, uploads."""
from __future__ import annotations

import re
from io import BytesIO

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from tests.conftest import csrf_token
from tests.org.conftest import REQUISITES, png_bytes

SETTINGS = "/settings/"
NEW_BRANCH = "/settings/branches/new"


def branch_url(clinic) -> str:
    return f"/settings/branches/{clinic.id}"


def post_form(client, url: str, data: dict, files: dict | None = None):
    """Post `data` as the page's form does, with the page's CSRF token."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    payload = {"csrf_token": token, **data, **(files or {})}
    return client.post(url, data=payload, content_type="multipart/form-data")


def requisites_form(**changes) -> dict:
    data = {key: REQUISITES[key] for key in REQUISITES}
    data.update({"postal_address": "", "remove_logo": ""})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def branch_form(**changes) -> dict:
    data = {"name": "Клиника на Мира", "address": "г. Москва, пр. Мира, 5",
            "phone": "+7 495 111-22-33", "timezone": "Europe/Moscow", "latitude": "55,78",
            "longitude": "37.63", "rating": "4,7", "description": "Новый филиал",
            "is_active": "y", "hours_mon": "09:00–21:00", "hours_tue": "09:00-14:00, 15:00-20:00",
            "hours_wed": "", "hours_thu": "", "hours_fri": "", "hours_sat": "10:00-16:00",
            "hours_sun": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(html: str) -> list[str]:
    return re.findall(r'<div class="field-error">([^<]*)</div>', html)


# --- who may open what --------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, branches):
    response = client.get(SETTINGS)
    assert response.status_code == 302 and "/login" in response.location


def test_patient_may_not_open_settings(client, branches, web_as):
    web_as("patient")
    assert client.get(SETTINGS).status_code == 403
    assert client.get(branch_url(branches.a)).status_code == 403


def test_receptionist_reads_requisites_and_own_branches(client, branches, web_as):
    web_as("receptionist", [branches.a])
    response = client.get(SETTINGS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "7707083893" in html and "773601001" in html and "ООО «Клиника Тест»" in html
    assert "Менять реквизиты может только администратор" in html
    assert 'name="inn"' not in html and "Сохранить реквизиты" not in html
    assert "Новый филиал" not in html
    assert "Клиника на Арбате" in html and "Клиника в Алматы" not in html
    assert "Открыть" in html


def test_receptionist_may_not_change_anything(client, branches, web_as):
    web_as("receptionist", [branches.a])
    response = post_form(client, SETTINGS, requisites_form(kpp="773601002"))
    assert response.status_code == 403
    assert db.session.get(Organization, branches.a.organization_id).kpp == "773601001"
    assert client.get(NEW_BRANCH).status_code == 403
    page = client.get(branch_url(branches.a))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Понедельник" in html and "09:00–21:00" in html and "выходной" in html
    assert 'name="name"' not in html
    response = client.post(branch_url(branches.a), data={
        "csrf_token": csrf_token(html), **branch_form()})
    assert response.status_code == 403
    assert db.session.get(Clinic, branches.a.id).name == "Клиника на Арбате"


def test_staff_may_not_open_another_branch(client, branches, web_as):
    web_as("doctor", [branches.a])
    assert client.get(branch_url(branches.b)).status_code == 403
    assert client.get("/settings/branches/999999").status_code == 404


def test_manager_reads_but_may_not_edit(client, branches, web_as):
    web_as("manager", [branches.a, branches.b])
    html = client.get(SETTINGS).get_data(as_text=True)
    assert "Клиника в Алматы" in html and "Сохранить реквизиты" not in html
    assert client.get(NEW_BRANCH).status_code == 403


def test_admin_sees_the_form_and_every_branch(client, branches, web_as):
    web_as("admin")
    response = client.get(SETTINGS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="inn"' in html and 'value="7707083893"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html
    for name in ("Клиника на Арбате", "Клиника в Алматы", "Закрытая клиника"):
        assert name in html
    assert "badge-muted\">отключён" in html and "badge-success\">работает" in html
    assert f'href="{branch_url(branches.a)}"' in html and 'href="/settings/branches/new"' in html
    assert "css/org.css" in html and "<style" not in html and " style=" not in html


def test_branch_list_fragment_for_htmx(client, branches, web_as):
    web_as("admin")
    response = client.get(SETTINGS, query_string={"status": "inactive"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True).strip()
    assert "<html" not in html and html.startswith('<div id="branches-table"')
    assert "Закрытая клиника" in html and "Клиника на Арбате" not in html
    active = client.get(SETTINGS, query_string={"status": "active"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Закрытая клиника" not in active and "Клиника на Арбате" in active


def test_user_text_is_escaped(client, branches, web_as):
    branches.a.name = "<script>alert(1)</script>"
    branches.a.organization.name = "ООО <b>Жирная</b>"
    db.session.commit()
    web_as("receptionist", [branches.a])
    html = client.get(SETTINGS).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Жирная</b>" not in html


# --- the requisites form ------------------------------------------------------------------

def test_admin_saves_requisites(client, organization, web_as):
    web_as("admin")
    response = post_form(client, SETTINGS, requisites_form(
        kpp="7736AB001", phone="8 495 765-43-21", postal_address="125009, Москва"))
    assert response.status_code == 302 and response.location == SETTINGS
    db.session.refresh(organization)
    assert organization.kpp == "7736AB001" and organization.phone == "+74957654321"
    assert organization.postal_address == "125009, Москва"
    assert "Реквизиты сохранены" in client.get(SETTINGS).get_data(as_text=True)
    entry = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "organization.updated")).one()
    assert set(entry.changes) == {"kpp", "phone", "postal_address"}


def test_requisites_errors_are_shown_next_to_fields_and_nothing_is_saved(client, organization,
                                                                         web_as):
    web_as("admin")
    response = post_form(client, SETTINGS, requisites_form(
        inn="7707083894", kpp="12", ogrn="1027700132196", name="Новое имя",
        email="нет"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert set(errors_of(html)) == {
        "Неверный ИНН: не сходится контрольное число",
        "КПП состоит из 9 цифр (5-й и 6-й знаки могут быть латинскими буквами)",
        "Неверный ОГРН: не сходится контрольная цифра", "Неверный e-mail"}
    assert 'value="7707083894"' in html  # what was typed stays in the form
    db.session.refresh(organization)
    assert organization.name == "ООО «Клиника Тест»" and organization.inn == "7707083893"


def test_requisites_form_needs_csrf(client, organization, web_as):
    web_as("admin")
    response = client.post(SETTINGS, data=requisites_form(kpp="773601002"))
    assert response.status_code == 400
    db.session.refresh(organization)
    assert organization.kpp == "773601001"


def test_logo_png_is_stored_and_served(client, organization, web_as, uploads_cleanup):
    web_as("admin")
    response = post_form(client, SETTINGS, requisites_form(),
                         {"logo": (BytesIO(png_bytes()), "logo.png")})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(organization)
    assert organization.logo_path.startswith("org/") and organization.logo_path.endswith(".png")
    image = client.get(f"/uploads/{organization.logo_path}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    html = client.get(SETTINGS).get_data(as_text=True)
    assert f'src="/uploads/{organization.logo_path}"' in html
    # Removing the logo.
    response = post_form(client, SETTINGS, requisites_form(remove_logo="y"))
    assert response.status_code == 302
    db.session.refresh(organization)
    assert organization.logo_path is None


def test_text_file_named_png_is_refused(client, organization, web_as, uploads_cleanup):
    web_as("admin")
    (uploads_cleanup / "org").mkdir(exist_ok=True)
    before = set((uploads_cleanup / "org").glob("*"))
    response = post_form(client, SETTINGS, requisites_form(kpp="773601002"),
                         {"logo": (BytesIO(b"just some text, not an image"), "logo.png")})
    assert response.status_code == 400
    assert errors_of(response.get_data(as_text=True)) == ["Нужна картинка JPEG, PNG или WebP"]
    db.session.refresh(organization)
    assert organization.logo_path is None and organization.kpp == "773601001"
    assert set((uploads_cleanup / "org").glob("*")) == before


def test_good_logo_is_not_kept_when_another_field_is_wrong(client, organization, web_as,
                                                           uploads_cleanup):
    web_as("admin")
    folder = uploads_cleanup / "org"
    folder.mkdir(exist_ok=True)
    before = set(folder.glob("*"))
    response = post_form(client, SETTINGS, requisites_form(inn="1"),
                         {"logo": (BytesIO(png_bytes()), "logo.png")})
    assert response.status_code == 400
    assert set(folder.glob("*")) == before


# --- the branch form ----------------------------------------------------------------------

def test_new_branch_form_lists_common_time_zones_first(client, organization, web_as):
    web_as("admin")
    html = client.get(NEW_BRANCH).get_data(as_text=True)
    assert '<optgroup label="Часто используемые">' in html
    common = html.index('<optgroup label="Часто используемые">')
    everything = html.index('<optgroup label="Все часовые пояса">')
    for zone in ("Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Novosibirsk",
                 "Asia/Almaty", "Asia/Tashkent", "Europe/Kaliningrad", "Asia/Vladivostok"):
        assert common < html.index(f'value="{zone}"') < everything
    assert re.search(r'<option selected value="Europe/Moscow"|<option value="Europe/Moscow" selected',
                     html)
    assert 'value="America/New_York"' in html
    assert "js/org.js" in html and 'data-hours-day="mon"' in html


def test_admin_creates_a_branch(client, organization, web_as, uploads_cleanup):
    web_as("admin")
    response = post_form(client, NEW_BRANCH, branch_form(), {
        "logo": (BytesIO(png_bytes()), "logo.png"),
        "photos": [(BytesIO(png_bytes((8, 6))), "a.png"), (BytesIO(png_bytes((6, 8))), "b.png")]})
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    clinic = db.session.scalars(db.select(Clinic).where(Clinic.name == "Клиника на Мира")).one()
    assert clinic.phone == "+74951112233" and clinic.timezone == "Europe/Moscow"
    assert str(clinic.rating) == "4.7" and float(clinic.latitude) == 55.78
    assert clinic.opening_hours == {"mon": [["09:00", "21:00"]],
                                    "tue": [["09:00", "14:00"], ["15:00", "20:00"]],
                                    "sat": [["10:00", "16:00"]]}
    assert clinic.is_active and clinic.logo_path.startswith("clinics/")
    assert len(clinic.photos) == 2
    assert client.get(f"/uploads/{clinic.photos[0]}").mimetype == "image/png"
    entry = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "clinic.created")).one()
    assert entry.target_id == str(clinic.id) and entry.changes["rating"] == "4.7"
    # The public API shows it at once.
    public = client.get(f"/api/v1/clinics/{clinic.id}").get_json()
    assert public["logo_url"].startswith("http://localhost/uploads/clinics/")
    assert len(public["photo_urls"]) == 2


@pytest.mark.parametrize("changes, field_errors", [
    ({"name": ""}, ["Обязательное поле"]),
    ({"name": "Клиника на Арбате"}, ["Филиал с таким названием уже есть"]),
    ({"name": "клиника НА арбате"}, ["Филиал с таким названием уже есть"]),
    ({"timezone": "Mars/Olympus"},
     ["Неизвестный часовой пояс (ожидается, например, Europe/Moscow)"]),
    ({"rating": "5,5"}, ["Рейтинг от 0 до 5"]),
    ({"rating": "4.75"}, ["Один знак после запятой"]),
    ({"rating": "отлично"}, ["Ожидается число"]),
    ({"latitude": "91"}, ["От −90 до 90"]),
    ({"longitude": ""}, ["Укажите обе координаты или ни одной"]),
    ({"phone": "123"}, None),
    ({"hours_mon": "21:00-09:00"}, ["21:00–09:00: конец должен быть позже начала"]),
    ({"hours_wed": "9-18"}, ["«9» — не время в формате ЧЧ:ММ"]),
    ({"hours_fri": "09:00-14:00, 13:00-18:00"}, ["Интервалы пересекаются"]),
])
def test_branch_form_validation(client, branches, web_as, changes, field_errors):
    web_as("admin")
    response = post_form(client, NEW_BRANCH, branch_form(**changes))
    assert response.status_code == 400
    errors = errors_of(response.get_data(as_text=True))
    if field_errors is None:
        assert len(errors) == 1 and "телефон" in errors[0].lower()
    else:
        assert errors == field_errors
    assert db.session.scalar(db.select(db.func.count()).select_from(Clinic)) == 3


def test_branch_with_a_text_file_as_photo_is_refused(client, organization, web_as,
                                                     uploads_cleanup):
    web_as("admin")
    stored = lambda: set((uploads_cleanup / "clinics").glob("*"))  # noqa: E731
    (uploads_cleanup / "clinics").mkdir(exist_ok=True)
    before = stored()
    response = post_form(client, NEW_BRANCH, branch_form(), {
        "photos": [(BytesIO(png_bytes()), "ok.png"), (BytesIO(b"<?php echo 1;"), "x.png")]})
    assert response.status_code == 400
    assert errors_of(response.get_data(as_text=True)) == ["Нужна картинка JPEG, PNG или WebP"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Clinic)) == 0
    assert stored() == before  # the good photo was discarded too


def test_admin_edits_and_deactivates_a_branch(client, branches, web_as, uploads_cleanup):
    web_as("admin")
    page = client.get(branch_url(branches.a)).get_data(as_text=True)
    assert 'value="Клиника на Арбате"' in page and 'value="09:00–21:00"' in page
    assert 'value="55.752"' in page and 'value="4.7"' in page
    response = post_form(client, branch_url(branches.a), branch_form(
        name="Клиника на Арбате", is_active=None, timezone="Europe/Samara",
        hours_mon="", hours_tue="", hours_sat=""))
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    clinic = db.session.get(Clinic, branches.a.id)
    db.session.refresh(clinic)
    assert clinic.is_active is False and clinic.timezone == "Europe/Samara"
    assert clinic.opening_hours == {}
    entry = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "clinic.deactivated")).one()
    assert entry.changes["is_active"] == [True, False]
    assert entry.changes["timezone"] == ["Europe/Moscow", "Europe/Samara"]
    assert client.get(f"/api/v1/clinics/{clinic.id}").status_code == 404


def test_photos_are_added_and_removed(client, branches, web_as, uploads_cleanup):
    web_as("admin")
    url = branch_url(branches.b)
    form = branch_form(name="Клиника в Алматы", timezone="Asia/Almaty")
    post_form(client, url, form, {"photos": [(BytesIO(png_bytes()), "1.png"),
                                             (BytesIO(png_bytes()), "2.png")]})
    clinic = db.session.get(Clinic, branches.b.id)
    db.session.refresh(clinic)
    first, second = clinic.photos
    page = client.get(url).get_data(as_text=True)
    assert f'name="remove_photos" value="{first}"' in page
    response = post_form(client, url, {**form, "remove_photos": [first]})
    assert response.status_code == 302
    db.session.refresh(clinic)
    assert clinic.photos == [second]


def test_branch_form_needs_csrf(client, branches, web_as):
    web_as("admin")
    response = client.post(branch_url(branches.a), data=branch_form(name="Без токена"))
    assert response.status_code == 400
    assert db.session.get(Clinic, branches.a.id).name == "Клиника на Арбате"
