"""Recomputing the audit chain and naming the first link that does not hold."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.audit import event_hash, payload_digest
from workflows.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    message: str
    sequence: int | None = None  # the sequence number where the chain first breaks


def audit_chain_verify(*, using: str = "default", chunk_size: int = 2000) -> ChainReport:
    """Walk every event in sequence order; report the first edited, missing or moved row."""
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    checked = 0
    events = AuditEvent.objects.using(using).order_by("sequence").iterator(chunk_size=chunk_size)
    for event in events:
        seq = event.sequence
        if seq != expected_sequence:
            if seq > expected_sequence:
                missing = (
                    f"#{expected_sequence}"
                    if seq == expected_sequence + 1
                    else f"#{expected_sequence} to #{seq - 1}"
                )
                return ChainReport(
                    False,
                    checked,
                    f"event {missing} is missing (deleted?): the chain jumps from "
                    f"#{expected_sequence - 1} to #{seq}",
                    expected_sequence,
                )
            return ChainReport(False, checked, f"event #{seq} appears twice or out of order", seq)
        if event.payload_digest != payload_digest(event.payload):
            return ChainReport(
                False,
                checked,
                f"event #{seq} ({event.action}): its payload does not match the recorded "
                "digest — the payload was edited",
                seq,
            )
        if event.hash != event_hash(event):
            return ChainReport(
                False,
                checked,
                f"event #{seq} ({event.action}): its content does not match its hash — the row "
                "was edited or moved",
                seq,
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                f"event #{seq} ({event.action}) does not follow event #{seq - 1}: its previous "
                "hash points elsewhere — rows were reordered, replaced or removed before it",
                seq,
            )
        prev_hash = event.hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    last_sequence = expected_sequence - 1
    if head is None:
        if checked:
            return ChainReport(
                False, checked, "the chain head row is missing although events exist", None
            )
    elif head.sequence != last_sequence or head.hash != prev_hash:
        return ChainReport(
            False,
            checked,
            f"the chain head records event #{head.sequence} as the last one, but the trail ends "
            f"at #{last_sequence}: events were removed from the end",
            last_sequence + 1,
        )
    return ChainReport(True, checked, f"audit chain OK: {checked} events verified", None)
