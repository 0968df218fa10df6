"""The profile's «Язык интерфейса»: each configured language or «Как в браузере» (NULL),
stored in users.language through auth.services.set_language, audited like the other
profile changes. The form's fields carry the ``lang-`` prefix."""
from __future__ import annotations

import re

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth import services
from clinicapp.core.errors import ValidationFailed
from clinicapp.extensions import db
from tests.auth.test_web_profile import post_profile_form
from tests.conftest import csrf_token


def choose(client, language: str):
    return post_profile_form(client, "/profile/language", "lang", language=language)


def checked_language(client) -> str:
    html = client.get("/profile/").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="lang-language"[^>]*>', html)
    checked = [radio for radio in radios if "checked" in radio]
    assert len(checked) == 1, radios
    return re.search(r'value="([^"]*)"', checked[0]).group(1)


def language_entries(user) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "auth.language_changed", AuditEntry.target_id == str(user.id))
        .order_by(AuditEntry.id)))


def test_the_profile_offers_each_language_by_its_own_name_and_the_browser(client, web_as):
    web_as("doctor")
    html = client.get("/profile/").get_data(as_text=True)
    section = html[html.index('id="language"'):html.index('id="password"')]
    assert "Язык интерфейса" in section
    labels = re.findall(r'<label class="check"(?: lang="(\w+)")?><input[^>]*value="([^"]*)"'
                        r'[^>]*> ([^<]+)</label>', section)
    assert labels == [("", "", "Как в браузере"), ("ru", "ru", "Русский"),
                      ("en", "en", "English")]
    # Nothing chosen yet: the browser decides.
    assert checked_language(client) == ""


def test_choosing_english_is_stored_audited_and_shown(client, web_as):
    user = web_as("receptionist")
    response = choose(client, "en")
    assert response.status_code == 302
    assert response.location == "/profile/#language"
    db.session.expire_all()
    assert user.language == "en"
    [entry] = language_entries(user)
    assert entry.actor_id == user.id and entry.changes == {"language": [None, "en"]}
    assert checked_language(client) == "en"


def test_back_to_the_browser_stores_null_and_the_same_choice_writes_nothing(client, web_as):
    user = web_as("manager")
    choose(client, "en")
    response = choose(client, "")
    assert response.status_code == 302
    db.session.expire_all()
    assert user.language is None
    assert checked_language(client) == ""
    choose(client, "")  # unchanged: no entry
    assert [entry.changes for entry in language_entries(user)] == [
        {"language": [None, "en"]}, {"language": ["en", None]}]


@pytest.mark.parametrize("language", ["de", "EN", "english", "../en"])
def test_a_language_without_a_catalogue_is_refused_on_the_form(client, web_as, language):
    user = web_as("cashier")
    response = choose(client, language)
    assert response.status_code == 400
    assert "Выберите язык из списка" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.language is None and not language_entries(user)


def test_the_service_refuses_an_unknown_language_and_names_the_field(app, make_user):
    user = make_user("doctor")
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        services.set_language(user, "xx")
    assert refused.value.details == {"language": ["Выберите язык из списка"]}
    assert user.language is None


def test_changing_the_language_needs_a_session_and_the_csrf_token(client, web_as):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    signed_out = client.post("/profile/language",
                             data={"lang-csrf_token": token, "lang-language": "en"})
    assert signed_out.status_code == 302 and signed_out.location.startswith("/login")
    user = web_as("doctor")
    response = client.post("/profile/language", data={"lang-language": "en"})
    assert response.status_code == 400
    db.session.expire_all()
    assert user.language is None
