"""Signed receipts for accepted bids: Ed25519 and ML-DSA-65 signatures side by side.

The signed message is ``"zuschlag-receipt-v1\\n" || canonical_json(receipt)`` where ``receipt``
is the bid's log entry (all fields including ``entry_hash``) plus ``service_key_id``. A receipt
verifies only if BOTH signatures verify, so forging one needs breaking both algorithms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa

from .bidlog import LogEntry, log_verify, timestamp_format
from .encoding import b64u_decode, b64u_encode, canonical_json, expect, json_object
from .errors import KeyFormatError, LogChainError, ReceiptError

RECEIPT_TYPE = "zuschlag-bid-receipt"
SERVICE_PUBLIC_TYPE = "zuschlag-service-public-key"
SERVICE_PRIVATE_TYPE = "zuschlag-service-signing-key"
SIGNING_LABEL = b"zuschlag-receipt-v1\n"
ED25519_SIG_LEN = 64
MLDSA65_SIG_LEN = 3309


def _service_kid(ed: bytes, ml: bytes) -> str:
    return hashlib.sha256(b"zuschlag/service-key/v1\x00" + ed + ml).digest()[:16].hex()


@dataclass(frozen=True)
class ServiceVerifyKey:
    """Public half of the service signing key; publish it (JSON) for offline verification."""

    ed25519: bytes
    mldsa65: bytes

    @property
    def key_id(self) -> str:
        return _service_kid(self.ed25519, self.mldsa65)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": SERVICE_PUBLIC_TYPE,
            "v": 1,
            "kid": self.key_id,
            "ed25519": b64u_encode(self.ed25519),
            "ml-dsa-65": b64u_encode(self.mldsa65),
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode("ascii") + "\n"

    @classmethod
    def from_json(cls, data: str | bytes) -> ServiceVerifyKey:
        what = "service public key"
        obj = json_object(data, what=what)
        if obj.get("type") != SERVICE_PUBLIC_TYPE or obj.get("v") != 1:
            raise KeyFormatError(f"{what}: not a {SERVICE_PUBLIC_TYPE} version 1")
        key = cls(
            ed25519=b64u_decode(expect(obj, "ed25519", str, what=what), field="ed25519", length=32),
            mldsa65=b64u_decode(
                expect(obj, "ml-dsa-65", str, what=what), field="ml-dsa-65", length=1952
            ),
        )
        if obj.get("kid", key.key_id) != key.key_id:
            raise KeyFormatError(f"{what}: kid does not match the key material")
        return key


class ServiceSigningKey:
    """The service's receipt signing key (keep the JSON in a secret, e.g. an env-provided file)."""

    __slots__ = ("_ed", "_ml", "verify_key")

    def __init__(self, *, ed25519_private: bytes, mldsa65_seed: bytes) -> None:
        self._ed = ed25519.Ed25519PrivateKey.from_private_bytes(ed25519_private)
        self._ml = mldsa.MLDSA65PrivateKey.from_seed_bytes(mldsa65_seed)
        self.verify_key = ServiceVerifyKey(
            ed25519=self._ed.public_key().public_bytes_raw(),
            mldsa65=self._ml.public_key().public_bytes_raw(),
        )

    @classmethod
    def generate(cls) -> ServiceSigningKey:
        return cls(
            ed25519_private=ed25519.Ed25519PrivateKey.generate().private_bytes_raw(),
            mldsa65_seed=mldsa.MLDSA65PrivateKey.generate().private_bytes_raw(),
        )

    def to_json(self) -> str:
        return (
            canonical_json(
                {
                    "type": SERVICE_PRIVATE_TYPE,
                    "v": 1,
                    "kid": self.verify_key.key_id,
                    "ed25519": b64u_encode(self._ed.private_bytes_raw()),
                    "ml-dsa-65-seed": b64u_encode(self._ml.private_bytes_raw()),
                }
            ).decode("ascii")
            + "\n"
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> ServiceSigningKey:
        what = "service signing key"
        obj = json_object(data, what=what)
        if obj.get("type") != SERVICE_PRIVATE_TYPE or obj.get("v") != 1:
            raise KeyFormatError(f"{what}: not a {SERVICE_PRIVATE_TYPE} version 1")
        return cls(
            ed25519_private=b64u_decode(
                expect(obj, "ed25519", str, what=what), field="ed25519", length=32
            ),
            mldsa65_seed=b64u_decode(
                expect(obj, "ml-dsa-65-seed", str, what=what), field="ml-dsa-65-seed", length=32
            ),
        )

    def sign(self, message: bytes) -> tuple[bytes, bytes]:
        return self._ed.sign(message), self._ml.sign(message)


@dataclass(frozen=True)
class Receipt:
    """A signed receipt; ``to_json`` is what the bidder downloads."""

    entry: LogEntry
    service_key_id: str
    ed25519_signature: bytes
    mldsa65_signature: bytes

    def signed_fields(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "type": RECEIPT_TYPE,
            "v": 1,
            "service_key_id": self.service_key_id,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "receipt": self.signed_fields(),
            "signatures": {
                "ed25519": b64u_encode(self.ed25519_signature),
                "ml-dsa-65": b64u_encode(self.mldsa65_signature),
            },
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode("utf-8") + "\n"

    @classmethod
    def from_json(cls, data: str | bytes) -> Receipt:
        what = "receipt"
        try:
            obj = json_object(data, what=what, max_bytes=64 * 1024)
            fields = dict(expect(obj, "receipt", dict, what=what))
            sigs = expect(obj, "signatures", dict, what=what)
            if fields.get("type") != RECEIPT_TYPE or fields.get("v") != 1:
                raise KeyFormatError(f"{what}: not a {RECEIPT_TYPE} version 1")
            service_key_id = expect(fields, "service_key_id", str, what=what)
            entry_fields = {
                k: v for k, v in fields.items() if k not in {"service_key_id", "type", "v"}
            }
            entry = LogEntry.from_dict({**entry_fields, "type": "zuschlag-bid-log-entry", "v": 1})
            extra = set(fields) - {*entry.to_dict(), "service_key_id"}
            if extra:
                raise KeyFormatError(f"{what}: unknown fields {sorted(extra)}")
            return cls(
                entry=entry,
                service_key_id=service_key_id,
                ed25519_signature=b64u_decode(
                    expect(sigs, "ed25519", str, what=what), field="ed25519", length=64
                ),
                mldsa65_signature=b64u_decode(
                    expect(sigs, "ml-dsa-65", str, what=what),
                    field="ml-dsa-65",
                    length=MLDSA65_SIG_LEN,
                ),
            )
        except KeyFormatError as exc:
            raise ReceiptError(f"receipt unreadable: {exc}") from exc


def _message(fields: dict[str, Any]) -> bytes:
    return SIGNING_LABEL + canonical_json(fields)


def receipt_sign(*, entry: LogEntry, signing_key: ServiceSigningKey) -> Receipt:
    """Sign the log entry of an accepted bid; store and hand out ``receipt.to_json()``."""
    if entry.computed_hash() != entry.entry_hash:
        raise ValueError("log entry hash is not consistent; build entries with log_append")
    unsigned = Receipt(
        entry=entry,
        service_key_id=signing_key.verify_key.key_id,
        ed25519_signature=b"",
        mldsa65_signature=b"",
    )
    ed_sig, ml_sig = signing_key.sign(_message(unsigned.signed_fields()))
    return Receipt(
        entry=entry,
        service_key_id=unsigned.service_key_id,
        ed25519_signature=ed_sig,
        mldsa65_signature=ml_sig,
    )


def receipt_verify(
    *,
    receipt: Receipt,
    service_key: ServiceVerifyKey,
    log: list[LogEntry] | None = None,
    expected_head: str | None = None,
) -> None:
    """Verify both signatures and the entry hash; with ``log``, also the chain and position.

    Raises ReceiptError with a message saying which check failed.
    """
    if receipt.service_key_id != service_key.key_id:
        raise ReceiptError(
            f"receipt was signed by service key {receipt.service_key_id}, "
            f"not by the given key {service_key.key_id}"
        )
    message = _message(receipt.signed_fields())
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(service_key.ed25519).verify(
            receipt.ed25519_signature, message
        )
    except InvalidSignature as exc:
        raise ReceiptError(
            "receipt Ed25519 signature is invalid (receipt forged or altered)"
        ) from exc
    try:
        mldsa.MLDSA65PublicKey.from_public_bytes(service_key.mldsa65).verify(
            receipt.mldsa65_signature, message
        )
    except InvalidSignature as exc:
        raise ReceiptError(
            "receipt ML-DSA-65 signature is invalid (receipt forged or altered)"
        ) from exc
    entry = receipt.entry
    if entry.computed_hash() != entry.entry_hash:
        raise ReceiptError("receipt entry hash does not match its content")
    if log is None:
        return
    try:
        log_verify(tender=entry.tender, entries=log, expected_head=expected_head)
    except LogChainError as exc:
        raise ReceiptError(f"bid log does not verify: {exc}") from exc
    if not 1 <= entry.position <= len(log):
        raise ReceiptError(
            f"receipt is for log position {entry.position}, but the log has only {len(log)} "
            "entries: the bid's entry was deleted from the log"
        )
    if log[entry.position - 1] != entry:
        raise ReceiptError(
            f"log entry {entry.position} is not the entry this receipt was issued for: "
            "the log was rewritten"
        )


CHECKPOINT_TYPE = "zuschlag-bid-log-checkpoint"
CHECKPOINT_LABEL = b"zuschlag-checkpoint-v1\n"


@dataclass(frozen=True)
class LogCheckpoint:
    """A signed statement "tender T's bid log had N entries with head H at time A".

    Print it in the opening record (Niederschrift) and hand it to bidders: with it, a receipt
    plus a log export proves the bid was in the log that was opened.
    """

    tender: str
    entries: int
    head: str
    at: str
    service_key_id: str
    ed25519_signature: bytes
    mldsa65_signature: bytes

    def signed_fields(self) -> dict[str, Any]:
        return {
            "type": CHECKPOINT_TYPE,
            "v": 1,
            "tender": self.tender,
            "entries": self.entries,
            "head": self.head,
            "at": self.at,
            "service_key_id": self.service_key_id,
        }

    def to_json(self) -> str:
        return (
            canonical_json(
                {
                    "checkpoint": self.signed_fields(),
                    "signatures": {
                        "ed25519": b64u_encode(self.ed25519_signature),
                        "ml-dsa-65": b64u_encode(self.mldsa65_signature),
                    },
                }
            ).decode("utf-8")
            + "\n"
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> LogCheckpoint:
        what = "log checkpoint"
        try:
            obj = json_object(data, what=what, max_bytes=64 * 1024)
            fields = expect(obj, "checkpoint", dict, what=what)
            sigs = expect(obj, "signatures", dict, what=what)
            if fields.get("type") != CHECKPOINT_TYPE or fields.get("v") != 1:
                raise KeyFormatError(f"{what}: not a {CHECKPOINT_TYPE} version 1")
            return cls(
                tender=expect(fields, "tender", str, what=what),
                entries=expect(fields, "entries", int, what=what),
                head=expect(fields, "head", str, what=what),
                at=expect(fields, "at", str, what=what),
                service_key_id=expect(fields, "service_key_id", str, what=what),
                ed25519_signature=b64u_decode(
                    expect(sigs, "ed25519", str, what=what), field="ed25519", length=64
                ),
                mldsa65_signature=b64u_decode(
                    expect(sigs, "ml-dsa-65", str, what=what),
                    field="ml-dsa-65",
                    length=MLDSA65_SIG_LEN,
                ),
            )
        except KeyFormatError as exc:
            raise ReceiptError(f"checkpoint unreadable: {exc}") from exc


def log_checkpoint_sign(
    *, tender: str, entries: list[LogEntry], at: datetime, signing_key: ServiceSigningKey
) -> LogCheckpoint:
    """Verify the chain, then sign its head (e.g. when the opening starts)."""
    head = log_verify(tender=tender, entries=entries)
    unsigned = LogCheckpoint(
        tender=tender,
        entries=len(entries),
        head=head,
        at=timestamp_format(at),
        service_key_id=signing_key.verify_key.key_id,
        ed25519_signature=b"",
        mldsa65_signature=b"",
    )
    ed_sig, ml_sig = signing_key.sign(CHECKPOINT_LABEL + canonical_json(unsigned.signed_fields()))
    return replace(unsigned, ed25519_signature=ed_sig, mldsa65_signature=ml_sig)


def log_checkpoint_verify(*, checkpoint: LogCheckpoint, service_key: ServiceVerifyKey) -> None:
    """Check both signatures; raises ReceiptError. Then use ``checkpoint.head`` as expected head."""
    if checkpoint.service_key_id != service_key.key_id:
        raise ReceiptError(
            f"checkpoint was signed by service key {checkpoint.service_key_id}, "
            f"not by the given key {service_key.key_id}"
        )
    message = CHECKPOINT_LABEL + canonical_json(checkpoint.signed_fields())
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(service_key.ed25519).verify(
            checkpoint.ed25519_signature, message
        )
        mldsa.MLDSA65PublicKey.from_public_bytes(service_key.mldsa65).verify(
            checkpoint.mldsa65_signature, message
        )
    except InvalidSignature as exc:
        raise ReceiptError("checkpoint signature is invalid (forged or altered)") from exc
