"""The tender's hash-chained bid log.

``entry_hash = SHA-256(prev_hash || canonical_json(entry))`` where ``entry`` holds every field
but ``entry_hash`` (it includes ``prev_hash`` and ``position``). The first entry's ``prev_hash``
is the genesis hash ``SHA-256("zuschlag/bid-log/v1\\0" || tender)``, so a log cannot be passed
off as another tender's. Positions count from 1.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from .encoding import canonical_json, json_object
from .errors import KeyFormatError, LogChainError

ENTRY_TYPE = "zuschlag-bid-log-entry"
LOG_TYPE = "zuschlag-bid-log"


class LogEvent:
    """Event names used in the log (plain strings so the Django side can add more)."""

    SUBMITTED = "bid.submitted"
    REPLACED = "bid.replaced"
    WITHDRAWN = "bid.withdrawn"
    LATE_REFUSED = "bid.late_refused"


def timestamp_format(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and 'Z'; refuses naive datetimes."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp_parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def genesis_hash(tender: str) -> str:
    return hashlib.sha256(b"zuschlag/bid-log/v1\x00" + tender.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LogEntry:
    """One log entry as stored and exported; ``entry_hash`` is derived (see ``log_append``)."""

    tender: str
    position: int
    event: str
    lot: str
    bidder: str
    bid: str
    ciphertext_sha256: str
    ciphertext_size: int
    recorded_at: str
    prev_hash: str
    entry_hash: str = ""

    def content(self) -> dict[str, Any]:
        """The hashed fields: everything but ``entry_hash``."""
        return {
            "type": ENTRY_TYPE,
            "v": 1,
            "tender": self.tender,
            "position": self.position,
            "event": self.event,
            "lot": self.lot,
            "bidder": self.bidder,
            "bid": self.bid,
            "ciphertext_sha256": self.ciphertext_sha256,
            "ciphertext_size": self.ciphertext_size,
            "recorded_at": self.recorded_at,
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        return hashlib.sha256(
            bytes.fromhex(self.prev_hash) + canonical_json(self.content())
        ).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {**self.content(), "entry_hash": self.entry_hash}

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> LogEntry:
        if obj.get("type") != ENTRY_TYPE or obj.get("v") != 1:
            raise KeyFormatError(f"log entry: not a {ENTRY_TYPE} version 1")
        try:
            entry = cls(
                tender=str(obj["tender"]),
                position=int(obj["position"]),
                event=str(obj["event"]),
                lot=str(obj["lot"]),
                bidder=str(obj["bidder"]),
                bid=str(obj["bid"]),
                ciphertext_sha256=str(obj["ciphertext_sha256"]),
                ciphertext_size=int(obj["ciphertext_size"]),
                recorded_at=str(obj["recorded_at"]),
                prev_hash=str(obj["prev_hash"]),
                entry_hash=str(obj["entry_hash"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFormatError(f"log entry: missing or malformed field ({exc})") from exc
        _hex32(entry.prev_hash, "prev_hash")
        _hex32(entry.entry_hash, "entry_hash")
        return entry


def _hex32(value: str, what: str) -> None:
    try:
        ok = len(bytes.fromhex(value)) == 32
    except ValueError:
        ok = False
    if not ok:
        raise KeyFormatError(f"log entry: {what} must be 64 hex digits")


def log_append(
    *,
    tender: str,
    previous: LogEntry | None,
    event: str,
    lot: str,
    bidder: str,
    bid: str,
    ciphertext_sha256: str,
    ciphertext_size: int,
    recorded_at: datetime,
) -> LogEntry:
    """Build the next entry after ``previous`` (None for the first); store it as returned.

    The caller serialises appends per tender (row lock on the tender) so two entries never
    claim the same position.
    """
    if previous is not None and previous.tender != tender:
        raise ValueError("previous entry belongs to another tender")
    if ciphertext_sha256:
        _hex32(ciphertext_sha256, "ciphertext_sha256")
    entry = LogEntry(
        tender=tender,
        position=1 if previous is None else previous.position + 1,
        event=event,
        lot=lot,
        bidder=bidder,
        bid=bid,
        ciphertext_sha256=ciphertext_sha256,
        ciphertext_size=ciphertext_size,
        recorded_at=timestamp_format(recorded_at),
        prev_hash=genesis_hash(tender) if previous is None else previous.entry_hash,
    )
    return replace(entry, entry_hash=entry.computed_hash())


def log_verify(
    *, tender: str, entries: Iterable[LogEntry], expected_head: str | None = None
) -> str:
    """Check the whole chain; return the head hash (genesis hash for an empty log).

    Raises LogChainError naming the first broken entry: changed content, a gap or reordering
    in positions, a ``prev_hash`` that does not link, or a head different from
    ``expected_head`` (entries deleted or added at the end).
    """
    prev = genesis_hash(tender)
    expected_position = 1
    for entry in entries:
        where = f"bid log entry {entry.position}"
        if entry.tender != tender:
            raise LogChainError(
                f"{where} belongs to tender {entry.tender!r}, not {tender!r}",
                position=entry.position,
            )
        if entry.position != expected_position:
            if entry.position > expected_position:
                detail = (
                    f"entr{'y' if entry.position - expected_position == 1 else 'ies'} "
                    f"{expected_position}"
                    + (f"..{entry.position - 1}" if entry.position - expected_position > 1 else "")
                    + " missing (deleted) or the log is reordered"
                )
            else:
                detail = "entries are reordered or duplicated"
            raise LogChainError(
                f"bid log position {expected_position} holds entry {entry.position}: {detail}",
                position=expected_position,
            )
        if not hmac.compare_digest(entry.computed_hash(), entry.entry_hash):
            raise LogChainError(
                f"{where} was changed: its content no longer matches its recorded hash "
                f"{entry.entry_hash[:16]}…",
                position=entry.position,
            )
        if not hmac.compare_digest(entry.prev_hash, prev):
            raise LogChainError(
                f"{where} does not link to entry {entry.position - 1}: its prev_hash "
                f"{entry.prev_hash[:16]}… is not {prev[:16]}… (entry inserted, deleted or "
                "replaced before it)",
                position=entry.position,
            )
        prev = entry.entry_hash
        expected_position += 1
    if expected_head is not None and not hmac.compare_digest(prev, expected_head):
        raise LogChainError(
            f"bid log head {prev[:16]}… after {expected_position - 1} entries differs from the "
            f"expected head {expected_head[:16]}…: entries were deleted, added or rewritten",
            position=expected_position,
        )
    return prev


def log_export(*, tender: str, entries: Sequence[LogEntry]) -> str:
    """JSON export a bidder can check offline with ``python -m bids.client verify-receipt``."""
    head = entries[-1].entry_hash if entries else genesis_hash(tender)
    return (
        canonical_json(
            {
                "type": LOG_TYPE,
                "v": 1,
                "tender": tender,
                "head": head,
                "entries": [e.to_dict() for e in entries],
            }
        ).decode("utf-8")
        + "\n"
    )


def log_import(data: str | bytes) -> tuple[str, list[LogEntry], str]:
    """Parse an export; returns (tender, entries, claimed head). Does not verify."""
    obj = json_object(data, what="bid log export", max_bytes=256 << 20)
    if obj.get("type") != LOG_TYPE or obj.get("v") != 1:
        raise KeyFormatError(f"bid log export: not a {LOG_TYPE} version 1")
    entries = obj.get("entries")
    if not isinstance(entries, list):
        raise KeyFormatError("bid log export: entries must be a list")
    return (
        str(obj.get("tender", "")),
        [LogEntry.from_dict(e) for e in entries],
        str(obj.get("head", "")),
    )
