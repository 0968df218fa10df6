"""The service form's doctors and branches: a searchable checkbox list (a reusable
component), plain checkboxes without JavaScript, never a Ctrl-click multi-select."""
from __future__ import annotations

import re

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from clinicapp.catalog.models import Service
from clinicapp.extensions import db
from tests.conftest import csrf_token


def picker(page: str, name: str) -> str:
    return re.search(rf'<fieldset class="form-row picker" id="{name}".*?</fieldset>', page,
                     re.S).group(0)


def checked(block: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="\w+" value="(\d+)" checked>', block)


def test_the_form_has_checkbox_lists_not_a_multi_select(client, catalog, web_as):
    web_as("manager")
    page = client.get(f"/catalog/services/{catalog.canal.id}").get_data(as_text=True)
    assert "<select multiple" not in page and "multiple" not in page
    assert "Ctrl" not in page
    doctors = picker(page, "doctors")
    assert "<legend class=\"picker-legend\">Врачи, которые оказывают</legend>" in doctors
    assert sorted(checked(doctors)) == sorted([str(catalog.dentist.id),
                                               str(catalog.dentist2.id)])
    assert doctors.count('name="doctors"') == 3  # every doctor, a checkbox each
    assert catalog.cardiologist.full_name in doctors
    assert re.search(r"Выбрано: <strong data-picker-count>2</strong> из 3", doctors)
    # The buttons wait for the script: without it they would do nothing. Three doctors
    # need no filter box; a longer list gets one (test_the_picker_is_a_component…).
    assert 'data-picker-tools hidden' in doctors and 'data-picker-filter' not in doctors
    assert "Выбрать показанные" in doctors and "Снять показанные" in doctors
    assert 'id="doctors-list"' in doctors
    clinics = picker(page, "clinics")
    assert sorted(checked(clinics)) == sorted(str(c.id) for c in catalog.clinics)
    assert "/static/js/picker.js" in page and "/static/css/picker.css" in page


def test_unticking_one_doctor_keeps_the_others(client, catalog, web_as):
    """What the multi-select lost with one plain click: the form posts exactly the ticked."""
    web_as("manager")
    url = f"/catalog/services/{catalog.canal.id}"
    page = client.get(url).get_data(as_text=True)
    a, b = catalog.clinics
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "code": catalog.canal.code, "name": catalog.canal.name,
        "category": str(catalog.canal.category_id), "price": "4 500,50", "duration": "45",
        "is_active": "y", "clinics": [str(a.id), str(b.id)],
        "doctors": [str(catalog.dentist2.id), str(catalog.cardiologist.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    canal = db.session.get(Service, catalog.canal.id)
    assert [d.id for d in canal.doctors] == sorted([catalog.dentist2.id,
                                                    catalog.cardiologist.id])
    page = client.get(url).get_data(as_text=True)
    assert sorted(checked(picker(page, "doctors"))) == sorted(
        [str(catalog.dentist2.id), str(catalog.cardiologist.id)])


def test_bad_choices_are_named_under_the_list(client, catalog, web_as, make_doctor):
    nurse = make_doctor("медсестра", is_doctor=False)
    web_as("manager")
    url = f"/catalog/services/{catalog.ecg.id}"
    base = {"code": catalog.ecg.code, "name": catalog.ecg.name, "category": "",
            "price": "1 200", "duration": "20", "is_active": "y"}
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**base, "csrf_token": csrf_token(page),
                                      "doctors": ["abc"]})
    assert response.status_code == 400
    assert '<div class="field-error">Выберите из списка</div>' in picker(
        response.get_data(as_text=True), "doctors")
    response = client.post(url, data={**base, "csrf_token": csrf_token(page),
                                      "doctors": [str(nurse.id)], "clinics": ["999999"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<div class="field-error">Нет врача с id {nurse.id}</div>' in picker(html, "doctors")
    assert '<div class="field-error">Нет филиала с id 999999</div>' in picker(html, "clinics")
    assert 'aria-invalid="true"' in picker(html, "doctors")
    db.session.expire_all()
    assert [d.id for d in db.session.get(Service, catalog.ecg.id).doctors] == [
        catalog.cardiologist.id]


def test_read_only_viewers_see_the_choice_disabled(client, catalog, web_as):
    web_as("doctor")
    page = client.get(f"/catalog/services/{catalog.canal.id}").get_data(as_text=True)
    form = page.split('<fieldset class="plain" disabled>')[1]
    assert 'id="doctors" data-picker' in form  # inside the disabled fieldset


class _Team(FlaskForm):
    members = SelectMultipleField("Участники", coerce=int)


def test_the_picker_is_a_component_any_form_can_use(app):
    """Another feature's form, another field: the same macro, the same behaviour."""
    with app.test_request_context():
        form = _Team(meta={"csrf": False}, data={"members": [2]})
        form.members.choices = [(1, "Анна <b>"), (2, "Борис"), (3, "Вера")] + [
            (n, f"Участник {n}") for n in range(4, 9)]
        html = render_template_string(
            '{% from "components/_checkbox_picker.html" import checkbox_picker %}'
            "{{ checkbox_picker(form.members, help='Кто в команде') }}", form=form)
    assert '<fieldset class="form-row picker" id="members" data-picker' in html
    assert 'aria-describedby="members-help"' in html and "Кто в команде" in html
    assert checked(html) == ["2"] and html.count('name="members"') == 8
    assert "Анна &lt;b&gt;" in html and "<b>" not in html
    assert "Выбрано: <strong data-picker-count>1</strong> из 8" in html
    assert 'data-picker-filter' in html and 'aria-controls="members-list"' in html
    assert 'aria-label="Найти: Участники"' in html
    with app.test_request_context():
        form = _Team(meta={"csrf": False})
        form.members.choices = []
        html = render_template_string(
            '{% from "components/_checkbox_picker.html" import checkbox_picker %}'
            "{{ checkbox_picker(form.members) }}", form=form)
    assert "Выбирать пока не из чего" in html
