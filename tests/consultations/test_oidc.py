"""Bearer tokens of a configured OpenID issuer (a loopback issuer: discovery + JWKS)."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa

from ..conftest import bearer
from .stubs import OidcIssuer

BODY = {"client": {"email": "site@user.uz"}, "consultation": {"comment": "С сайта"}}


def test_issuer_tokens_are_accepted_and_cached_for_offline_use(client, settings):
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        token = bearer(issuer.token())
        created = client.post("/api/consultations/create", json=BODY, headers=token)
        assert created.status_code == 200, created.get_json()
        assert created.get_json()["consultation"]["source"] == "SITE"
        client_id = created.get_json()["client_id"]
        fetched = len(issuer.requests)
    # The issuer is gone: the cached discovery document and keys still check tokens.
    again = client.get(f"/api/clients/{client_id}", headers=token)
    assert again.status_code == 200
    assert fetched == 2  # discovery + JWKS, once


def test_bad_tokens_are_401(client, settings):
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for token in (issuer.token(aud="someone-else"), issuer.token(expires_in=-60),
                      issuer.token(issuer="https://evil.example"), issuer.token(key=stranger),
                      issuer.token(kid="unknown-kid", key=stranger), "garbage"):
            response = client.post("/api/consultations/create", json=BODY, headers=bearer(token))
            assert response.status_code == 401, token


def test_without_an_issuer_configured_no_foreign_token_passes(client, settings):
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER="", OIDC_AUDIENCE="")
        response = client.post("/api/consultations/create", json=BODY,
                               headers=bearer(issuer.token()))
        assert response.status_code == 401


def test_a_subject_reads_only_the_clients_it_created(client, settings, staff_token):
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        mine = client.post("/api/consultations/create", json=BODY,
                           headers=bearer(issuer.token(sub="a"))).get_json()
        others = client.post("/api/consultations/create", json=BODY,
                             headers=bearer(issuer.token(sub="b")))
        assert others.status_code == 404  # someone else's client: not found
        staff_made = client.post("/api/clients", json={"email": "desk@made.uz"},
                                 headers=staff_token).get_json()
        other_sub = bearer(issuer.token(sub="b"))
        assert client.get(f"/api/clients/{mine['client_id']}", headers=other_sub
                          ).status_code == 404
        assert client.get(f"/api/tickets/{mine['consultation']['cons_id']}",
                          headers=other_sub).status_code == 404
        assert client.get(f"/api/clients/{mine['client_id']}",
                          headers=bearer(issuer.token(sub="a"))).status_code == 200
        assert client.get(f"/api/clients/{staff_made['client_id']}",
                          headers=other_sub).status_code == 404
