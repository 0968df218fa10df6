"""The one shape of a page action (core.actions.perform) and the htmx answers
(core.htmx), through real pages signed in through the real login.

- a full-page form: a refusal re-renders the form with the Russian message, 400,
  nothing written; success commits once and redirects with a flash;
- an htmx action: a refusal is the fragment with the message and the error's own
  status code; success commits once and answers the fragment; without htmx the
  same action flashes and redirects;
- a history restore gets the full page; `Vary: HX-Request` is on every answer of a
  URL that answers htmx differently, and only there.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event

from clinicapp.auth.models import User
from clinicapp.catalog import services as catalog_services
from clinicapp.catalog.models import ServiceCategory
from clinicapp.extensions import ClinicSession, db
from tests.conftest import PASSWORD, csrf_token

HTMX = {"HX-Request": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
# Pages that answer htmx with a fragment (its root id) and others with the page.
VARYING_PAGES = [
    ("/catalog/", '<div id="catalog-tree"'),
    ("/staff/", '<div id="staff-table"'),
    ("/admin/users", '<div id="users-table"'),
    ("/settings/", '<div id="branches-table"'),
    ("/patients/", '<div id="patients-results"'),
]


@pytest.fixture
def commits():
    """The session's commits, counted from the moment the test calls `commits.clear()`.

    SQLAlchemy sends `after_commit` for a released SAVEPOINT too (services use them
    for unique checks): only the commit of the whole transaction counts.
    """
    counted: list[int] = []

    def count(session):
        if not session.in_nested_transaction():
            counted.append(1)

    event.listen(ClinicSession, "after_commit", count)
    yield counted
    event.remove(ClinicSession, "after_commit", count)


def html(response) -> str:
    return response.get_data(as_text=True)


def count_users(email: str) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User)
                             .where(User.email == email))


def count_categories(name: str) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ServiceCategory)
                             .where(ServiceCategory.name == name))


def new_user_form(client, **fields) -> dict:
    token = csrf_token(html(client.get("/admin/users/new")))
    return {"csrf_token": token, "email": "new@test.clinic", "full_name": "Новикова Анна",
            "phone": "", "role": "receptionist", "password": PASSWORD, "is_active": "y",
            **fields}


def add_category(client, commits, name: str, headers: dict | None = None):
    """Add a category as the catalog page does; `commits` counts from the POST on."""
    token = csrf_token(html(client.get("/catalog/")))
    commits.clear()
    return client.post("/catalog/categories", headers=headers or {},
                       data={"csrf_token": token, "name": name})


@pytest.fixture
def cardiology():
    category = catalog_services.create_category(None, name="Кардиология")
    db.session.commit()
    return category


# --- a full-page form --------------------------------------------------------------------

def test_a_refused_form_is_shown_again_with_the_message_and_nothing_written(
        client, web_as, make_user, commits):
    web_as("admin")
    make_user("doctor", email="taken@test.clinic")
    data = new_user_form(client, email="TAKEN@test.clinic")
    commits.clear()
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 400
    page = html(response)
    assert "<html" in page and "Пользователь с таким e-mail уже существует" in page
    assert 'value="Новикова Анна"' in page  # what was typed stays in the form
    assert commits == [] and count_users("taken@test.clinic") == 1


def test_an_invalid_form_names_the_field_in_russian_and_calls_no_service(
        client, web_as, commits):
    web_as("admin")
    data = new_user_form(client, password="")
    commits.clear()
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 400
    assert "Задайте пароль для новой учётной записи" in html(response)
    assert commits == [] and count_users("new@test.clinic") == 0


def test_a_saved_form_commits_once_and_redirects_with_a_flash(client, web_as, commits):
    web_as("admin")
    data = new_user_form(client)
    commits.clear()
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 302 and response.location == "/admin/users"
    assert len(commits) == 1 and count_users("new@test.clinic") == 1
    assert "Учётная запись new@test.clinic создана" in html(client.get("/admin/users"))


def test_a_form_not_sent_is_the_page_with_200(client, web_as):
    web_as("admin")
    response = client.get("/admin/users/new")
    assert response.status_code == 200 and 'name="email"' in html(response)


# --- an htmx action ----------------------------------------------------------------------

def test_an_htmx_refusal_is_the_fragment_with_the_message_and_its_status(
        client, web_as, cardiology, commits):
    web_as("manager")
    response = add_category(client, commits, "Кардиология", HTMX)
    assert response.status_code == 409  # the Conflict's own code, not a generic 400
    fragment = html(response)
    assert fragment.lstrip().startswith('<div id="catalog-tree"') and "<html" not in fragment
    assert "Здесь уже есть категория «Кардиология»" in fragment
    assert commits == [] and count_categories("Кардиология") == 1


def test_an_htmx_success_commits_once_and_answers_the_fragment(
        client, web_as, cardiology, commits):
    web_as("manager")
    response = add_category(client, commits, "Неврология", HTMX)
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<div id="catalog-tree"')
    assert "Категория «Неврология» добавлена" in fragment
    assert len(commits) == 1 and count_categories("Неврология") == 1


def test_the_same_action_without_htmx_flashes_and_redirects(client, web_as, cardiology, commits):
    web_as("manager")
    refused = add_category(client, commits, "Кардиология")
    assert refused.status_code == 302 and refused.location == "/catalog/" and commits == []
    assert "Здесь уже есть категория «Кардиология»" in html(client.get("/catalog/"))
    done = add_category(client, commits, "Неврология")
    assert done.status_code == 302 and done.location == "/catalog/" and len(commits) == 1
    assert "Категория «Неврология» добавлена" in html(client.get("/catalog/"))


def test_without_a_refusal_answer_the_error_page_answers_and_nothing_is_written(
        client, web_as, commits):
    # /profile/sessions/<id>/revoke leaves a refusal to the app's error handler.
    web_as("receptionist")
    token = csrf_token(html(client.get("/profile/")))
    commits.clear()
    response = client.post("/profile/sessions/999999/revoke", data={"csrf_token": token})
    assert response.status_code == 403 and "<html" in html(response)
    assert commits == []
    response = client.post("/profile/sessions/999999/revoke", headers=HTMX,
                           data={"csrf_token": token})
    assert response.status_code == 403 and "<html" not in html(response)


def test_a_refused_sign_in_keeps_only_its_failure_count(client, make_user, commits):
    # perform settles a refusal like the error handler does: the error's bookkeeping
    # (the failure counter) is committed on its own, the rest rolled back.
    user = make_user("receptionist")
    token = csrf_token(html(client.get("/login")))
    commits.clear()
    response = client.post("/login", data={"csrf_token": token, "login": user.email,
                                            "password": "not-the-password"})
    assert response.status_code == 401 and "<html" in html(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1 and len(commits) == 1


# --- fragment or page: request.htmx, history restores, Vary ----------------------------

@pytest.mark.parametrize(("url", "fragment_root"), VARYING_PAGES)
def test_htmx_gets_the_fragment_and_a_history_restore_the_full_page(
        client, web_as, make_clinic, url, fragment_root):
    web_as("admin", branches=[make_clinic()])
    fragment = client.get(url, headers=HTMX)
    assert fragment.status_code == 200
    assert html(fragment).lstrip().startswith(fragment_root) and "<html" not in html(fragment)
    for headers in (RESTORE, {}, {"HX-Request": "false"}):
        page = client.get(url, headers=headers)
        assert page.status_code == 200 and "<html" in html(page), headers
        assert fragment_root in html(page)
    for response in (fragment, page):
        assert "HX-Request" in response.vary


def test_a_page_that_does_not_vary_does_not_say_so(client, web_as):
    web_as("receptionist")
    assert "HX-Request" not in client.get("/profile/").vary


def test_an_error_is_a_fragment_for_htmx_and_the_page_on_a_history_restore(client, web_as):
    web_as("manager")
    fragment = client.get("/staff/999999", headers=HTMX)
    assert fragment.status_code == 404 and "<html" not in html(fragment)
    page = client.get("/staff/999999", headers=RESTORE)
    assert page.status_code == 404 and "<html" in html(page)
    assert "HX-Request" in fragment.vary and "HX-Request" in page.vary
