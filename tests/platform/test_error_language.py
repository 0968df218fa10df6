"""Refusals in the reader's language on pages, and in Russian, the documents' language, in
the JSON API whatever the device says (core/http.py, core/permissions.py)."""
from __future__ import annotations

import re
from html import unescape

EN = {"Accept-Language": "en"}


def heading(response) -> str:
    return unescape(re.search(r"<h1>([^<]*)</h1>", response.get_data(as_text=True)).group(1))


def test_a_missing_page_says_so_in_the_reader_s_language(client):
    assert heading(client.get("/no/such/page", headers=EN)) == "Not found"
    assert heading(client.get("/no/such/page")) == "Не найдено"


def test_the_api_keeps_its_russian_words(client):
    response = client.get("/api/v1/no/such/thing", headers=EN)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "Не найдено"


def test_a_stale_form_is_explained_in_english(client, web_as):
    web_as("receptionist")
    response = client.post("/patients/new", headers=EN, data={"last_name": "Brown"})
    assert response.status_code == 400
    assert "Your session has expired or the form was sent twice" in heading(response)
    fragment = client.post("/patients/new", data={"last_name": "Brown"},
                           headers={**EN, "HX-Request": "true"})
    assert fragment.get_data(as_text=True).startswith("Your session has expired")


def test_a_missing_permission_is_explained_in_english(client, web_as):
    web_as("patient")
    response = client.get("/settings/", headers=EN)
    assert response.status_code == 403
    assert heading(response) == "You don't have permission to do this"
    assert heading(client.get("/settings/")) == "Недостаточно прав для этого действия"
