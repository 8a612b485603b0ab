"""Shared test vectors (tests/bids/vectors/*.json): the Python side.

The browser side runs the same files in test_crypto_browser.py. Regenerate (only when the
format version changes!) with ``python -m tests.bids.test_crypto_vectors``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import mlkem

from bids.crypto import (
    BidCryptoError,
    HybridPrivateKey,
    HybridPublicKey,
    LogEvent,
    MemberKeyFile,
    OpeningShare,
    Receipt,
    ServiceSigningKey,
    ServiceVerifyKey,
    envelope_decrypt_bytes,
    envelope_encrypt_bytes,
    log_append,
    log_export,
    log_import,
    member_key_protect,
    opening_key_generate,
    receipt_sign,
    receipt_verify,
    share_decrypt,
)
from bids.crypto.envelope import PREAMBLE_LEN, TAG_LEN, EnvelopeSealer

VECTORS = Path(__file__).with_name("vectors")


def _load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _plaintext(case: dict[str, Any]) -> bytes:
    # A repeating pattern keeps the vector files small; "pattern" x "length".
    pattern = bytes.fromhex(case["plaintext_pattern_hex"])
    length = case["plaintext_length"]
    return (pattern * (length // max(1, len(pattern)) + 1))[:length]


def seal_deterministic(
    *, recipient: HybridPublicKey, plaintext: bytes, case: dict[str, Any]
) -> bytes:
    sealer = EnvelopeSealer(
        recipient=recipient,
        chunk_log2=case["chunk_log2"],
        _x25519_ephemeral=bytes.fromhex(case["x25519_ephemeral_private_hex"]),
        _mlkem=(
            bytes.fromhex(case["mlkem_shared_secret_hex"]),
            bytes.fromhex(case["mlkem_ciphertext_hex"]),
        ),
        _salt=bytes.fromhex(case["salt_hex"]),
    )
    out = [sealer.preamble]
    size = sealer.chunk_size
    offsets = list(range(0, len(plaintext), size)) or [0]
    for i, start in enumerate(offsets):
        out.append(sealer.seal_chunk(plaintext[start : start + size], last=i == len(offsets) - 1))
    return b"".join(out)


def _recipient(vectors: dict[str, Any]) -> HybridPrivateKey:
    r = vectors["recipient"]
    return HybridPrivateKey(
        x25519_private=bytes.fromhex(r["x25519_private_hex"]),
        mlkem768_seed=bytes.fromhex(r["mlkem768_seed_hex"]),
    )


def test_recipient_public_key_and_kid_match_vector() -> None:
    vectors = _load("envelope_v1.json")
    key = _recipient(vectors)
    assert key.public_key == HybridPublicKey.from_dict(vectors["recipient"]["public_key"])
    assert key.public_key.key_id_hex == vectors["recipient"]["public_key"]["kid"]


@pytest.mark.parametrize("index", range(4))
def test_deterministic_seal_reproduces_vector_bytes(index: int) -> None:
    vectors = _load("envelope_v1.json")
    case = vectors["valid"][index]
    envelope = seal_deterministic(
        recipient=_recipient(vectors).public_key, plaintext=_plaintext(case), case=case
    )
    assert envelope.hex() == case["envelope_hex"]


@pytest.mark.parametrize("index", range(4))
def test_vector_envelopes_decrypt(index: int) -> None:
    vectors = _load("envelope_v1.json")
    case = vectors["valid"][index]
    plain = envelope_decrypt_bytes(
        private_key=_recipient(vectors), envelope=bytes.fromhex(case["envelope_hex"])
    )
    assert plain == _plaintext(case)


def test_invalid_vectors_are_rejected_with_their_code() -> None:
    vectors = _load("envelope_v1.json")
    key = _recipient(vectors)
    assert len(vectors["invalid"]) >= 5
    for case in vectors["invalid"]:
        with pytest.raises(BidCryptoError) as err:
            envelope_decrypt_bytes(private_key=key, envelope=bytes.fromhex(case["envelope_hex"]))
        assert err.value.code == case["error_code"], case["name"]


def test_member_key_vector_unlocks_and_opens_share() -> None:
    vectors = _load("member_key_v1.json")
    keyfile = MemberKeyFile.from_json(json.dumps(vectors["key_file"]))
    key = keyfile.unlock(passphrase=vectors["passphrase"])
    share = share_decrypt(member_key=key, envelope=bytes.fromhex(vectors["share_envelope_hex"]))
    assert share == OpeningShare.from_json(vectors["share_json"])
    assert share.to_json() == vectors["share_json"]


def test_receipt_vector_verifies() -> None:
    vectors = _load("receipt_v1.json")
    service = ServiceVerifyKey.from_json(json.dumps(vectors["service_public_key"]))
    tender, entries, head = log_import(json.dumps(vectors["log"]))
    receipt = Receipt.from_json(json.dumps(vectors["receipt"]))
    receipt_verify(receipt=receipt, service_key=service, log=entries, expected_head=head)
    assert tender == receipt.entry.tender


def _split(envelope: bytes, chunk_log2: int) -> tuple[bytes, list[bytes]]:
    sealed = (1 << chunk_log2) + TAG_LEN
    body = envelope[PREAMBLE_LEN:]
    return envelope[:PREAMBLE_LEN], [body[i : i + sealed] for i in range(0, len(body), sealed)]


def _generate() -> None:  # pragma: no cover - run by hand
    VECTORS.mkdir(exist_ok=True)
    recipient = HybridPrivateKey.generate()
    raw = recipient.raw
    cases = []
    for name, length, chunk_log2 in [
        ("empty", 0, 10),
        ("short", 5, 10),
        ("one full chunk", 1024, 10),
        ("three chunks", 2500, 10),
    ]:
        ss, ct = mlkem.MLKEM768PublicKey.from_public_bytes(
            recipient.public_key.mlkem768
        ).encapsulate()
        case = {
            "name": name,
            "chunk_log2": chunk_log2,
            "plaintext_pattern_hex": b"Angebot \xc3\xa0 Los 1; ".hex(),
            "plaintext_length": length,
            "x25519_ephemeral_private_hex": os.urandom(32).hex(),
            "mlkem_shared_secret_hex": ss.hex(),
            "mlkem_ciphertext_hex": ct.hex(),
            "salt_hex": os.urandom(32).hex(),
        }
        case["envelope_hex"] = seal_deterministic(
            recipient=recipient.public_key, plaintext=_plaintext(case), case=case
        ).hex()
        cases.append(case)
    three = bytes.fromhex(cases[3]["envelope_hex"])
    preamble, chunks = _split(three, 10)
    flipped = bytearray(three)
    flipped[PREAMBLE_LEN + 3] ^= 1
    header_flip = bytearray(three)
    header_flip[30] ^= 1
    other = HybridPrivateKey.generate()
    invalid = [
        ("changed ciphertext byte", bytes(flipped), "envelope_tampered"),
        ("changed header byte", bytes(header_flip), "envelope_tampered"),
        ("truncated after chunk 1", preamble + chunks[0] + chunks[1], "envelope_tampered"),
        (
            "chunks 0 and 1 swapped",
            preamble + chunks[1] + chunks[0] + chunks[2],
            "envelope_tampered",
        ),
        ("last chunk dropped", preamble + chunks[0], "envelope_tampered"),
        ("plaintext", b"%PDF-1.7 not encrypted", "envelope_not_encrypted"),
        (
            "other recipient",
            envelope_encrypt_bytes(recipient=other.public_key, plaintext=b"x"),
            "wrong_recipient",
        ),
        ("version 2", three[:8] + b"\x02" + three[9:], "envelope_format"),
    ]
    envelope_vectors = {
        "description": "zuschlag envelope v1 test vectors; see docs/envelope.md",
        "recipient": {
            "x25519_private_hex": raw[:32].hex(),
            "mlkem768_seed_hex": raw[32:].hex(),
            "public_key": recipient.public_key.to_dict(),
        },
        "valid": cases,
        "invalid": [{"name": n, "envelope_hex": e.hex(), "error_code": c} for n, e, c in invalid],
    }
    (VECTORS / "envelope_v1.json").write_text(json.dumps(envelope_vectors, indent=1) + "\n")

    passphrase = "Vergabe-Kommission Ölmühle 2026"
    member = HybridPrivateKey.generate()
    keyfile = member_key_protect(
        private_key=member, passphrase=passphrase, label="Test Mitglied", iterations=100_000
    )
    second = HybridPrivateKey.generate()
    bundle = opening_key_generate(
        binding="tender:VECTOR-1", threshold=2, member_keys=[member.public_key, second.public_key]
    )
    share = share_decrypt(member_key=member, envelope=bundle.encrypted_shares[0].envelope)
    member_vectors = {
        "description": "member key file v1 (PBKDF2-SHA-256 + AES-256-GCM) with a sealed share",
        "passphrase": passphrase,
        "key_file": json.loads(keyfile.to_json()),
        "share_envelope_hex": bundle.encrypted_shares[0].envelope.hex(),
        "share_json": share.to_json(),
    }
    (VECTORS / "member_key_v1.json").write_text(
        json.dumps(member_vectors, indent=1, ensure_ascii=False) + "\n"
    )

    signing = ServiceSigningKey.generate()
    entries = []
    for i in range(3):
        entries.append(
            log_append(
                tender="VECTOR-1",
                previous=entries[-1] if entries else None,
                event=LogEvent.SUBMITTED,
                lot="1",
                bidder=f"Bieter {i} GmbH & Co. KG \u2013 Zweigniederlassung Straße",
                bid=f"00000000-0000-4000-8000-00000000000{i}",
                ciphertext_sha256=os.urandom(32).hex(),
                ciphertext_size=1234 + i,
                recorded_at=datetime(2026, 11, 27, 10, 0, i, 123456, tzinfo=UTC),
            )
        )
    receipt = receipt_sign(entry=entries[1], signing_key=signing)
    receipt_vectors = {
        "description": "receipt v1 signed with Ed25519 + ML-DSA-65, with the bid log it is in",
        "service_public_key": signing.verify_key.to_dict(),
        "receipt": json.loads(receipt.to_json()),
        "log": json.loads(log_export(tender="VECTOR-1", entries=entries)),
    }
    (VECTORS / "receipt_v1.json").write_text(
        json.dumps(receipt_vectors, indent=1, ensure_ascii=False) + "\n"
    )


if __name__ == "__main__":  # pragma: no cover
    _generate()
