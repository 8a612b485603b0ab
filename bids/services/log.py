"""Appending to and reading a tender's bid log. Appends need the tender row lock held."""

from datetime import datetime

from bids.crypto import LogEntry, log_append, log_verify
from bids.models import BidLogEntry
from tenders.models import Tender


def log_entries(*, tender: Tender) -> list[LogEntry]:
    rows = BidLogEntry.objects.filter(tender=tender).order_by("position")
    return [row.as_entry(tender_ref=tender.reference) for row in rows]


def log_entry_append(
    *,
    tender: Tender,
    event: str,
    lot: str,
    bidder: str,
    bid: str,
    ciphertext_sha256: str,
    ciphertext_size: int,
    recorded_at: datetime,
) -> LogEntry:
    """Append one entry; the caller holds ``select_for_update`` on the tender, so two appends
    never compete for a position (the unique constraint would refuse the second anyway)."""
    last = BidLogEntry.objects.filter(tender=tender).order_by("-position").first()
    previous = last.as_entry(tender_ref=tender.reference) if last is not None else None
    entry = log_append(
        tender=tender.reference,
        previous=previous,
        event=event,
        lot=lot,
        bidder=bidder,
        bid=bid,
        ciphertext_sha256=ciphertext_sha256,
        ciphertext_size=ciphertext_size,
        recorded_at=recorded_at,
    )
    BidLogEntry.objects.create(
        tender=tender,
        position=entry.position,
        event=entry.event,
        lot=entry.lot,
        bidder=entry.bidder,
        bid=entry.bid,
        ciphertext_sha256=entry.ciphertext_sha256,
        ciphertext_size=entry.ciphertext_size,
        recorded_at=entry.recorded_at,
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
    )
    return entry


def log_head_verify(*, tender: Tender) -> str:
    """Walk the whole chain; the head hex. Raises LogChainError naming the first bad entry."""
    return log_verify(tender=tender.reference, entries=log_entries(tender=tender))
