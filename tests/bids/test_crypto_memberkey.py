"""Member key files: passphrase protection, format checks."""

from __future__ import annotations

import json

import pytest

from bids.crypto import KeyFormatError, MemberKeyFile, PassphraseError, member_key_generate

PASSPHRASE = "korrekt Pferd Batterie Heftklammer"


@pytest.fixture(scope="module")
def generated():
    return member_key_generate(passphrase=PASSPHRASE, label="Erika Muster", iterations=100_000)


def test_file_round_trip_unlocks_same_key(generated) -> None:
    keyfile, private = generated
    parsed = MemberKeyFile.from_json(keyfile.to_json())
    assert parsed.unlock(passphrase=PASSPHRASE).raw == private.raw
    assert parsed.label == "Erika Muster"
    assert private.raw[:32].hex() not in keyfile.to_json()


def test_wrong_passphrase_is_a_clear_error(generated) -> None:
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        generated[0].unlock(passphrase="not the passphrase at all")


def test_altered_public_key_in_file_is_detected(generated) -> None:
    other, _ = member_key_generate(passphrase=PASSPHRASE, iterations=100_000)
    data = json.loads(generated[0].to_json())
    data["public"] = json.loads(other.to_json())["public"]
    with pytest.raises(PassphraseError):
        MemberKeyFile.from_json(json.dumps(data)).unlock(passphrase=PASSPHRASE)


def test_short_passphrase_and_low_iterations_refused(generated) -> None:
    with pytest.raises(ValueError, match="at least 12"):
        member_key_generate(passphrase="short")
    data = json.loads(generated[0].to_json())
    data["kdf"]["iterations"] = 1000
    with pytest.raises(KeyFormatError, match="PBKDF2 iterations outside"):
        MemberKeyFile.from_json(json.dumps(data))


def test_default_iterations_meet_owasp() -> None:
    from bids.crypto.memberkey import DEFAULT_ITERATIONS

    assert DEFAULT_ITERATIONS >= 600_000
