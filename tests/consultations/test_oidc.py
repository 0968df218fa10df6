"""Bearer tokens of a configured OpenID issuer (a loopback issuer: discovery + JWKS)."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa

from clinicapp.consultations import oidc

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
        # The same e-mail from another subject: a client of its own, not A's.
        assert others.status_code == 200
        assert others.get_json()["client_id"] != mine["client_id"]
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


def _state(client_id):
    """The stored row of a client, as a comparable tuple (nothing of it may change)."""
    from clinicapp.consultations.models import Client
    from clinicapp.extensions import db

    db.session.expire_all()
    row = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
    return (row.email, row.phone_number, row.city, row.client_id_hash, row.external_subject,
            row.patient_id)


def test_a_subject_never_takes_over_another_callers_client(client, settings, staff_token,
                                                           patient_world):
    """Subject B posting what identifies A's client, a staff-made client or a patient gets
    404 (explicit client_id / hash) or a new client of its own: nothing of theirs changes,
    no patient link, and B still cannot read theirs."""
    import uuid

    patient, _ = patient_world
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        a, b = bearer(issuer.token(sub="a")), bearer(issuer.token(sub="b"))
        mine = client.post("/api/clients", headers=a, json={
            "email": "a@site.uz", "client_id_hash": "hash-a"}).get_json()
        desk = client.post("/api/clients", headers=staff_token, json={
            "email": "desk@made.uz", "client_id_hash": "hash-desk"}).get_json()
        assert desk["client_id"] != mine["client_id"]
        before = {cid: _state(cid) for cid in (mine["client_id"], desk["client_id"])}
        # Explicit client_id or hash of someone else's client: 404.
        for body in ({"client_id": mine["client_id"], "city": "B"},
                     {"client_id": desk["client_id"], "city": "B"},
                     {"client_id": str(patient.client_id), "city": "B"},
                     {"client_id_hash": "hash-a", "city": "B"},
                     {"client_id_hash": "hash-desk", "city": "B"}):
            response = client.post("/api/clients", headers=b, json=body)
            assert response.status_code == 404, (body, response.get_json())
        # The same contact as A's, the staff's or a patient's: a client of B's own.
        own_ids = set()
        for email in ("a@site.uz", "desk@made.uz", "petr@patient.test"):
            response = client.post("/api/clients", headers=b, json={"email": email,
                                                                     "city": "B"})
            assert response.status_code == 200, response.get_json()
            own_ids.add(response.get_json()["client_id"])
        assert not own_ids & {mine["client_id"], desk["client_id"], str(patient.client_id)}
        assert len(own_ids) == 3
        # Again: the same own clients, not new ones.
        again = client.post("/api/clients", headers=b, json={"email": "petr@patient.test"})
        assert again.get_json()["client_id"] in own_ids
        for own in own_ids:
            assert _state(uuid.UUID(own))[-1] is None  # never linked to a patient
        assert {cid: _state(cid) for cid in before} == before
        # A consultation through the patient's e-mail is on B's own client too.
        created = client.post("/api/consultations/create", headers=b, json={
            "client": {"phone_number": "+998901112233"}, "consultation": {"comment": "x"}})
        assert created.status_code == 200
        assert created.get_json()["client_id"] != str(patient.client_id)
        for cid in (mine["client_id"], desk["client_id"], str(patient.client_id)):
            assert client.get(f"/api/clients/{cid}", headers=b).status_code == 404
        assert client.get("/api/clients/by-hash/hash-a", headers=b).status_code == 404
        assert client.get(f"/api/clients/{mine['client_id']}", headers=a).status_code == 200


def _hits(issuer, path: str) -> int:
    return sum(1 for _, requested, _ in issuer.requests if requested == path)


def test_unknown_key_ids_do_not_make_the_issuer_refetch_each_time(client, settings):
    """A stream of tokens with key ids the issuer never had: the key set is fetched once,
    not per token (refreshes are rate-limited); good tokens still pass."""
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for n in range(5):
            token = bearer(issuer.token(kid=f"unknown-{n}", key=stranger))
            assert client.post("/api/consultations/create", json=BODY,
                               headers=token).status_code == 401
        assert client.post("/api/consultations/create", json=BODY,
                           headers=bearer(issuer.token())).status_code == 200
        assert _hits(issuer, "/.well-known/openid-configuration") == 1
        assert _hits(issuer, "/jwks") == 1


def test_an_unreachable_issuer_is_not_asked_on_every_request(client, settings):
    """A failed discovery or key-set fetch is remembered for a while: further tokens are
    refused (401) without asking the issuer again."""
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        issuer.down = True
        for _ in range(5):
            assert client.post("/api/consultations/create", json=BODY,
                               headers=bearer(issuer.token())).status_code == 401
        assert _hits(issuer, "/.well-known/openid-configuration") == 1
    oidc.forget_cached_issuers()
    with OidcIssuer() as issuer:
        settings(OIDC_ISSUER=issuer.url, OIDC_AUDIENCE="clinic-api")
        issuer.jwks_down = True
        for _ in range(5):
            assert client.post("/api/consultations/create", json=BODY,
                               headers=bearer(issuer.token())).status_code == 401
        assert _hits(issuer, "/.well-known/openid-configuration") == 1
        assert _hits(issuer, "/jwks") == 1
