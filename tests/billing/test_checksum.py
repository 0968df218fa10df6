"""The callback checksum: HMAC-SHA256 over `name;value;` of the parameters sorted by name
(the checksum itself left out), hex upper-case; verified in constant time."""
from __future__ import annotations

from clinicapp.billing.checksum import sign, verify

KEY = "test-callback-key"
PARAMS = {"orderNumber": "INV-2026-000123-1", "status": "1", "operation": "deposited",
          "mdOrder": "3ff6962a-7dcc-4283-ab50-a6d7dd3386fe"}
# Computed outside Python, from the documented rule:
#   printf 'mdOrder;3ff6…86fe;operation;deposited;orderNumber;INV-2026-000123-1;status;1;' \
#     | openssl dgst -sha256 -hmac test-callback-key
KNOWN = "66454924B49D1239374BE681222533FDBA86561A156FA22DB83F834C99E85F8C"
# The same with `amount=150050` (a name that sorts first).
KNOWN_WITH_AMOUNT = "7FA068F474B97F1BACB288E790281FA5E10D2C010F5FE378684BD1B1FD54FA46"


def test_known_vector():
    assert sign(PARAMS, KEY) == KNOWN
    assert sign({**PARAMS, "amount": "150050"}, KEY) == KNOWN_WITH_AMOUNT


def test_the_checksum_is_not_part_of_what_it_signs():
    assert sign({**PARAMS, "checksum": "anything"}, KEY) == KNOWN


def test_a_valid_notification_verifies():
    assert verify({**PARAMS, "checksum": KNOWN}, KEY)
    assert verify({**PARAMS, "checksum": KNOWN.lower()}, KEY)  # the bank's docs show both


def test_tampered_values_names_or_checksum_fail():
    assert not verify({**PARAMS, "status": "0", "checksum": KNOWN}, KEY)
    assert not verify({**PARAMS, "amount": "1", "checksum": KNOWN}, KEY)  # a parameter added
    assert not verify({**PARAMS, "checksum": KNOWN[:-1] + "0"}, KEY)
    assert not verify({**PARAMS, "checksum": KNOWN}, "another-key")
    assert not verify({**PARAMS, "checksum": "ЧЕКСУММА"}, KEY)  # not even hex


def test_a_missing_or_empty_checksum_or_key_fails():
    assert not verify(PARAMS, KEY)
    assert not verify({**PARAMS, "checksum": ""}, KEY)
    assert not verify({**PARAMS, "checksum": sign(PARAMS, "")}, "")
