"""Receipts (Ed25519 + ML-DSA-65) and the hash-chained bid log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bids.crypto import (
    LogChainError,
    LogEntry,
    LogEvent,
    Receipt,
    ReceiptError,
    ServiceSigningKey,
    ServiceVerifyKey,
    genesis_hash,
    log_append,
    log_export,
    log_import,
    log_verify,
    receipt_sign,
    receipt_verify,
)
from bids.crypto.receipts import SIGNING_LABEL

TENDER = "2026-0042"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def service_key() -> ServiceSigningKey:
    return ServiceSigningKey.generate()


def _log(count: int = 5) -> list[LogEntry]:
    entries: list[LogEntry] = []
    for i in range(count):
        entries.append(
            log_append(
                tender=TENDER,
                previous=entries[-1] if entries else None,
                event=LogEvent.SUBMITTED,
                lot=str(1 + i % 2),
                bidder=f"bidder-{i}",
                bid=f"bid-{i}",
                ciphertext_sha256=hashlib.sha256(str(i).encode()).hexdigest(),
                ciphertext_size=1000 + i,
                recorded_at=T0 + timedelta(minutes=i),
            )
        )
    return entries


def test_chain_verifies_and_returns_head() -> None:
    entries = _log()
    assert log_verify(tender=TENDER, entries=entries) == entries[-1].entry_hash
    assert entries[0].prev_hash == genesis_hash(TENDER)
    assert [e.position for e in entries] == [1, 2, 3, 4, 5]
    assert log_verify(tender=TENDER, entries=[]) == genesis_hash(TENDER)


def test_changed_entry_is_named() -> None:
    entries = _log()
    entries[2] = replace(entries[2], bidder="someone-else")
    with pytest.raises(LogChainError, match="bid log entry 3 was changed") as err:
        log_verify(tender=TENDER, entries=entries)
    assert err.value.position == 3


def test_deleted_entry_is_named() -> None:
    entries = _log()
    del entries[1]
    with pytest.raises(LogChainError, match="position 2 holds entry 3: entry 2 missing"):
        log_verify(tender=TENDER, entries=entries)


def test_reordered_entries_are_named() -> None:
    entries = _log()
    entries[1], entries[2] = entries[2], entries[1]
    with pytest.raises(LogChainError, match="position 2 holds entry 3"):
        log_verify(tender=TENDER, entries=entries)


def test_rewritten_chain_is_caught_by_link_then_by_head() -> None:
    entries = _log()
    head = entries[-1].entry_hash
    # Delete entry 2 and renumber entry 3.. so positions look fine: the link breaks.
    renumbered = [entries[0]] + [replace(e, position=e.position - 1) for e in entries[2:]]
    renumbered = [renumbered[0]] + [
        replace(e, entry_hash=replace(e, entry_hash="").computed_hash()) for e in renumbered[1:]
    ]
    with pytest.raises(LogChainError, match="bid log entry 2 does not link to entry 1"):
        log_verify(tender=TENDER, entries=renumbered)
    # An attacker who recomputes the whole chain still cannot match the published head.
    forged: list[LogEntry] = []
    for e in [entries[0], *entries[2:]]:
        forged.append(
            log_append(
                tender=TENDER,
                previous=forged[-1] if forged else None,
                event=e.event,
                lot=e.lot,
                bidder=e.bidder,
                bid=e.bid,
                ciphertext_sha256=e.ciphertext_sha256,
                ciphertext_size=e.ciphertext_size,
                recorded_at=T0,
            )
        )
    log_verify(tender=TENDER, entries=forged)
    with pytest.raises(LogChainError, match="differs from the expected head"):
        log_verify(tender=TENDER, entries=forged, expected_head=head)


def test_deleted_last_entry_caught_by_expected_head() -> None:
    entries = _log()
    with pytest.raises(LogChainError, match="after 4 entries differs"):
        log_verify(tender=TENDER, entries=entries[:-1], expected_head=entries[-1].entry_hash)


def test_log_of_another_tender_is_refused() -> None:
    with pytest.raises(LogChainError, match="belongs to tender"):
        log_verify(tender="2026-9999", entries=_log())


def test_export_import_round_trip() -> None:
    entries = _log()
    tender, imported, head = log_import(log_export(tender=TENDER, entries=entries))
    assert (tender, imported, head) == (TENDER, entries, entries[-1].entry_hash)


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        log_append(
            tender=TENDER,
            previous=None,
            event=LogEvent.SUBMITTED,
            lot="1",
            bidder="b",
            bid="x",
            ciphertext_sha256="",
            ciphertext_size=0,
            recorded_at=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
        )


def test_receipt_verifies_offline_with_log(service_key: ServiceSigningKey) -> None:
    entries = _log()
    receipt = receipt_sign(entry=entries[2], signing_key=service_key)
    parsed = Receipt.from_json(receipt.to_json())
    verify_key = ServiceVerifyKey.from_json(service_key.verify_key.to_json())
    receipt_verify(receipt=parsed, service_key=verify_key)
    receipt_verify(
        receipt=parsed, service_key=verify_key, log=entries, expected_head=entries[-1].entry_hash
    )
    fields = json.loads(receipt.to_json())["receipt"]
    for name in (
        "tender",
        "lot",
        "bidder",
        "ciphertext_sha256",
        "recorded_at",
        "position",
        "prev_hash",
        "entry_hash",
    ):
        assert name in fields


def test_forged_receipt_field_fails_both_signatures(service_key: ServiceSigningKey) -> None:
    receipt = receipt_sign(entry=_log()[0], signing_key=service_key)
    data = json.loads(receipt.to_json())
    data["receipt"]["recorded_at"] = "2026-11-27T08:59:59.000000Z"
    with pytest.raises(ReceiptError, match="Ed25519 signature is invalid"):
        receipt_verify(
            receipt=Receipt.from_json(json.dumps(data)), service_key=service_key.verify_key
        )


def test_ml_dsa_signature_is_checked_on_its_own(service_key: ServiceSigningKey) -> None:
    entry = _log()[0]
    good = receipt_sign(entry=entry, signing_key=service_key)
    other = receipt_sign(entry=replace(entry), signing_key=ServiceSigningKey.generate())
    # Ed25519 valid but ML-DSA from another key: must still fail.
    mixed = replace(good, mldsa65_signature=other.mldsa65_signature)
    with pytest.raises(ReceiptError, match="ML-DSA-65 signature is invalid"):
        receipt_verify(receipt=mixed, service_key=service_key.verify_key)


def test_receipt_from_other_service_key_is_refused(service_key: ServiceSigningKey) -> None:
    receipt = receipt_sign(entry=_log()[0], signing_key=ServiceSigningKey.generate())
    with pytest.raises(ReceiptError, match="signed by service key"):
        receipt_verify(receipt=receipt, service_key=service_key.verify_key)


def test_receipt_against_log_missing_its_entry(service_key: ServiceSigningKey) -> None:
    entries = _log()
    receipt = receipt_sign(entry=entries[4], signing_key=service_key)
    with pytest.raises(ReceiptError, match="only 4 entries: the bid's entry was deleted"):
        receipt_verify(receipt=receipt, service_key=service_key.verify_key, log=entries[:4])


def test_receipt_against_rewritten_log(service_key: ServiceSigningKey) -> None:
    entries = _log()
    receipt = receipt_sign(entry=entries[1], signing_key=service_key)
    rewritten = [entries[0]]
    for e in entries[1:]:
        rewritten.append(
            log_append(
                tender=TENDER,
                previous=rewritten[-1],
                event=e.event,
                lot=e.lot,
                bidder="x" if e.position == 2 else e.bidder,
                bid=e.bid,
                ciphertext_sha256=e.ciphertext_sha256,
                ciphertext_size=e.ciphertext_size,
                recorded_at=T0,
            )
        )
    with pytest.raises(ReceiptError, match="log entry 2 is not the entry this receipt"):
        receipt_verify(receipt=receipt, service_key=service_key.verify_key, log=rewritten)


def test_signed_message_has_domain_label() -> None:
    assert SIGNING_LABEL == b"zuschlag-receipt-v1\n"


def test_checkpoint_pins_the_head(service_key: ServiceSigningKey) -> None:
    from bids.crypto import LogCheckpoint, log_checkpoint_sign, log_checkpoint_verify

    entries = _log()
    checkpoint = log_checkpoint_sign(
        tender=TENDER, entries=entries, at=T0 + timedelta(days=1), signing_key=service_key
    )
    parsed = LogCheckpoint.from_json(checkpoint.to_json())
    log_checkpoint_verify(checkpoint=parsed, service_key=service_key.verify_key)
    assert (parsed.entries, parsed.head) == (5, entries[-1].entry_hash)
    receipt = receipt_sign(entry=entries[0], signing_key=service_key)
    receipt_verify(
        receipt=receipt, service_key=service_key.verify_key, log=entries, expected_head=parsed.head
    )
    with pytest.raises(ReceiptError, match="differs from the expected head"):
        receipt_verify(
            receipt=receipt,
            service_key=service_key.verify_key,
            log=entries[:4],
            expected_head=parsed.head,
        )
    data = json.loads(checkpoint.to_json())
    data["checkpoint"]["entries"] = 4
    with pytest.raises(ReceiptError, match="checkpoint signature is invalid"):
        log_checkpoint_verify(
            checkpoint=LogCheckpoint.from_json(json.dumps(data)),
            service_key=service_key.verify_key,
        )


def test_checkpoint_refuses_a_broken_chain(service_key: ServiceSigningKey) -> None:
    from bids.crypto import log_checkpoint_sign

    entries = _log()
    del entries[2]
    with pytest.raises(LogChainError):
        log_checkpoint_sign(tender=TENDER, entries=entries, at=T0, signing_key=service_key)
