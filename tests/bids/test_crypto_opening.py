"""Opening key: k-of-n Shamir over a wrapped key; every wrong input fails loudly."""

from __future__ import annotations

import itertools
import os
from dataclasses import replace

import pytest

from bids.crypto import (
    CryptoErrorCode,
    HybridPrivateKey,
    OpeningShare,
    ShareError,
    WrappedOpeningKey,
    WrongRecipientError,
    envelope_decrypt_bytes,
    envelope_encrypt_bytes,
    opening_key_generate,
    opening_key_recover,
    shamir,
    share_decrypt,
)


@pytest.fixture(scope="module")
def members() -> list[HybridPrivateKey]:
    return [HybridPrivateKey.generate() for _ in range(4)]


@pytest.fixture(scope="module")
def bundle(members: list[HybridPrivateKey]):
    return opening_key_generate(
        binding="tender:2026-0042", threshold=3, member_keys=[m.public_key for m in members]
    )


@pytest.fixture(scope="module")
def shares(members, bundle) -> list[OpeningShare]:
    return [
        share_decrypt(member_key=m, envelope=s.envelope)
        for m, s in zip(members, bundle.encrypted_shares, strict=True)
    ]


def test_shamir_any_k_rebuild_fewer_do_not() -> None:
    secret = os.urandom(32)
    points = shamir.split(secret, threshold=3, shares=5)
    for subset in itertools.combinations(points, 3):
        assert shamir.combine({x: points[x] for x in subset}) == secret
    assert shamir.combine({x: points[x] for x in (1, 2)}) != secret


def test_gf256_multiplication_matches_known_aes_values() -> None:
    # FIPS 197 section 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}
    assert shamir.gf_mul(0x57, 0x83) == 0xC1
    assert shamir.gf_mul(0x57, 0x13) == 0xFE


def test_any_k_shares_open_bids_sealed_to_the_public_key(bundle, shares) -> None:
    sealed = envelope_encrypt_bytes(recipient=bundle.public_key, plaintext=b"Angebot A")
    for subset in itertools.combinations(shares, 3):
        key = opening_key_recover(
            wrapped=bundle.wrapped_private_key, shares=list(subset), public_key=bundle.public_key
        )
        assert envelope_decrypt_bytes(private_key=key, envelope=sealed) == b"Angebot A"


def test_stored_artifacts_round_trip_through_json(bundle, shares) -> None:
    wrapped = WrappedOpeningKey.from_json(bundle.wrapped_private_key.to_json())
    again = [OpeningShare.from_json(s.to_json()) for s in shares[:3]]
    key = opening_key_recover(wrapped=wrapped, shares=again)
    assert key.key_id == bundle.public_key.key_id


def test_share_is_sealed_to_its_member_only(members, bundle) -> None:
    with pytest.raises(WrongRecipientError):
        share_decrypt(member_key=members[1], envelope=bundle.encrypted_shares[0].envelope)
    assert bundle.encrypted_shares[0].member_key_id == members[0].public_key.key_id_hex


def test_fewer_than_k_shares_fail_loudly(bundle, shares) -> None:
    with pytest.raises(ShareError, match="3 of 4 shares are needed to open, only 2") as err:
        opening_key_recover(wrapped=bundle.wrapped_private_key, shares=shares[:2])
    assert err.value.code == CryptoErrorCode.SHARES_INSUFFICIENT


def test_duplicate_share_index_is_refused(bundle, shares) -> None:
    with pytest.raises(ShareError, match="share index 1 supplied more than once"):
        opening_key_recover(
            wrapped=bundle.wrapped_private_key, shares=[shares[0], shares[0], shares[1]]
        )


def test_wrong_share_value_fails_authentication(bundle, shares) -> None:
    bad = replace(shares[1], value=bytes(b ^ 0x5A for b in shares[1].value))
    with pytest.raises(ShareError, match="do not rebuild the opening key") as err:
        opening_key_recover(wrapped=bundle.wrapped_private_key, shares=[shares[0], bad, shares[2]])
    assert err.value.code == CryptoErrorCode.SHARES_WRONG


def test_with_spare_shares_the_wrong_one_is_named(bundle, shares) -> None:
    bad = replace(shares[0], value=os.urandom(32))
    with pytest.raises(ShareError, match="share 1 is wrong or was altered"):
        opening_key_recover(
            wrapped=bundle.wrapped_private_key, shares=[bad, shares[1], shares[2], shares[3]]
        )


def test_share_of_another_tender_is_refused(members, bundle, shares) -> None:
    other = opening_key_generate(
        binding="tender:2026-0043", threshold=2, member_keys=[m.public_key for m in members[:2]]
    )
    foreign = share_decrypt(member_key=members[0], envelope=other.encrypted_shares[0].envelope)
    with pytest.raises(ShareError, match=r"belongs to key .* \(tender:2026-0043\)"):
        opening_key_recover(
            wrapped=bundle.wrapped_private_key, shares=[foreign, shares[1], shares[2]]
        )


def test_tampered_wrapped_key_fails(bundle, shares) -> None:
    wrapped = replace(bundle.wrapped_private_key, binding="tender:other")
    relabelled = [replace(s, binding="tender:other") for s in shares[:3]]
    with pytest.raises(ShareError, match="do not rebuild"):
        opening_key_recover(wrapped=wrapped, shares=relabelled)


def test_generate_refuses_k_below_two_and_k_above_n(members) -> None:
    keys = [m.public_key for m in members]
    with pytest.raises(ValueError, match="k >= 2"):
        opening_key_generate(binding="t", threshold=1, member_keys=keys)
    with pytest.raises(ValueError, match="only 4 members"):
        opening_key_generate(binding="t", threshold=5, member_keys=keys)
    with pytest.raises(ValueError, match="twice"):
        opening_key_generate(binding="t", threshold=2, member_keys=[keys[0], keys[0]])


def test_nothing_generated_contains_the_private_key(bundle, shares) -> None:
    key = opening_key_recover(wrapped=bundle.wrapped_private_key, shares=shares[:3])
    stored = bundle.wrapped_private_key.to_json().encode() + b"".join(
        s.envelope for s in bundle.encrypted_shares
    )
    assert key.raw[:32] not in stored
    assert key.raw[32:] not in stored
