"""The tender's opening key: generated once, wrapped under a random KEK, KEK split k-of-n.

Stored on the tender: the public key (bidders encrypt to it) and the wrapped private key
(useless without k shares). Stored per committee member: one share, sealed in a v1 envelope to
the member's personal key. The whole private key exists only in memory, at generation and
during an opening.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import shamir
from .encoding import b64u_decode, b64u_encode, canonical_json, expect, json_object
from .envelope import envelope_decrypt_bytes, envelope_encrypt_bytes
from .errors import (
    CryptoErrorCode,
    KeyFormatError,
    ShareError,
)
from .keys import HybridPrivateKey, HybridPublicKey

SHARE_TYPE = "zuschlag-opening-share"
WRAPPED_TYPE = "zuschlag-wrapped-opening-key"
KEK_LEN = 32
MAX_BINDING_LEN = 200
# Envelopes for shares are tiny; small chunks keep them tiny too.
SHARE_CHUNK_LOG2 = 10
# Naming the bad share among spares means trying k-subsets; beyond this many, just fail.
MAX_SUBSETS_TRIED = 5000


@dataclass(frozen=True)
class OpeningShare:
    """One decrypted share: what a member hands over for an opening (as ``to_json()``)."""

    key_id: str
    binding: str
    threshold: int
    shares: int
    index: int
    value: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": SHARE_TYPE,
            "v": 1,
            "kid": self.key_id,
            "binding": self.binding,
            "k": self.threshold,
            "n": self.shares,
            "index": self.index,
            "value": b64u_encode(self.value),
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> OpeningShare:
        what = "opening share"
        try:
            if obj.get("type") != SHARE_TYPE or obj.get("v") != 1:
                raise KeyFormatError(f"{what}: not a {SHARE_TYPE} version 1")
            share = cls(
                key_id=expect(obj, "kid", str, what=what),
                binding=expect(obj, "binding", str, what=what),
                threshold=expect(obj, "k", int, what=what),
                shares=expect(obj, "n", int, what=what),
                index=expect(obj, "index", int, what=what),
                value=b64u_decode(expect(obj, "value", str, what=what), field="value", length=32),
            )
        except KeyFormatError as exc:
            raise ShareError(str(exc)) from exc
        if not 2 <= share.threshold <= share.shares <= 255 or not 1 <= share.index <= share.shares:
            raise ShareError(
                f"{what}: index {share.index} / k={share.threshold} / n={share.shares} invalid"
            )
        return share

    @classmethod
    def from_json(cls, data: str | bytes) -> OpeningShare:
        try:
            obj = json_object(data, what="opening share", max_bytes=4096)
        except KeyFormatError as exc:
            raise ShareError(str(exc)) from exc
        return cls.from_dict(obj)


@dataclass(frozen=True)
class WrappedOpeningKey:
    """The opening private key under AES-256-GCM with the split KEK; store it on the tender."""

    key_id: str
    binding: str
    threshold: int
    shares: int
    nonce: bytes
    ciphertext: bytes

    def _aad(self) -> bytes:
        return canonical_json(
            {
                "type": WRAPPED_TYPE,
                "v": 1,
                "kid": self.key_id,
                "binding": self.binding,
                "k": self.threshold,
                "n": self.shares,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": WRAPPED_TYPE,
            "v": 1,
            "kid": self.key_id,
            "binding": self.binding,
            "k": self.threshold,
            "n": self.shares,
            "nonce": b64u_encode(self.nonce),
            "ciphertext": b64u_encode(self.ciphertext),
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> WrappedOpeningKey:
        what = "wrapped opening key"
        if obj.get("type") != WRAPPED_TYPE or obj.get("v") != 1:
            raise KeyFormatError(f"{what}: not a {WRAPPED_TYPE} version 1")
        return cls(
            key_id=expect(obj, "kid", str, what=what),
            binding=expect(obj, "binding", str, what=what),
            threshold=expect(obj, "k", int, what=what),
            shares=expect(obj, "n", int, what=what),
            nonce=b64u_decode(expect(obj, "nonce", str, what=what), field="nonce", length=12),
            ciphertext=b64u_decode(
                expect(obj, "ciphertext", str, what=what), field="ciphertext", length=96 + 16
            ),
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> WrappedOpeningKey:
        return cls.from_dict(json_object(data, what="wrapped opening key"))


@dataclass(frozen=True)
class EncryptedShare:
    """One share sealed to a member: give ``envelope`` to the member with ``member_key_id``."""

    member_key_id: str
    index: int
    envelope: bytes


@dataclass(frozen=True)
class OpeningKeyBundle:
    """Everything ``opening_key_generate`` produces; none of it reveals the private key."""

    public_key: HybridPublicKey
    wrapped_private_key: WrappedOpeningKey
    encrypted_shares: tuple[EncryptedShare, ...]


def opening_key_generate(
    *, binding: str, threshold: int, member_keys: Sequence[HybridPublicKey]
) -> OpeningKeyBundle:
    """Create a tender's opening key, split k-of-n among ``member_keys`` (n = their number).

    ``binding`` names what the key is for (e.g. ``"tender:2026-0042"``); it is inside every
    share and authenticated with the wrapped key, so shares of another tender are refused.
    Raises ValueError for k < 2, k > n, duplicate members or an empty/oversized binding.
    """
    n = len(member_keys)
    if threshold < 2:
        raise ValueError("at least two committee members must be needed to open (k >= 2)")
    if threshold > n:
        raise ValueError(f"k={threshold} shares needed but only {n} members given")
    if n > 255:
        raise ValueError("at most 255 committee members")
    if len({m.key_id for m in member_keys}) != n:
        raise ValueError("the same member key appears twice")
    if not binding or len(binding) > MAX_BINDING_LEN:
        raise ValueError(f"binding must be 1..{MAX_BINDING_LEN} characters")

    private = HybridPrivateKey.generate()
    public = private.public_key
    kek = os.urandom(KEK_LEN)
    nonce = os.urandom(12)
    shell = WrappedOpeningKey(
        key_id=public.key_id_hex,
        binding=binding,
        threshold=threshold,
        shares=n,
        nonce=nonce,
        ciphertext=b"",
    )
    wrapped = WrappedOpeningKey(
        key_id=shell.key_id,
        binding=binding,
        threshold=threshold,
        shares=n,
        nonce=nonce,
        ciphertext=AESGCM(kek).encrypt(nonce, private.raw, shell._aad()),
    )
    values = shamir.split(kek, threshold=threshold, shares=n)
    sealed = []
    for index, member in enumerate(member_keys, start=1):
        share = OpeningShare(
            key_id=public.key_id_hex,
            binding=binding,
            threshold=threshold,
            shares=n,
            index=index,
            value=values[index],
        )
        sealed.append(
            EncryptedShare(
                member_key_id=member.key_id_hex,
                index=index,
                envelope=envelope_encrypt_bytes(
                    recipient=member,
                    plaintext=share.to_json().encode("utf-8"),
                    chunk_log2=SHARE_CHUNK_LOG2,
                ),
            )
        )
    return OpeningKeyBundle(
        public_key=public, wrapped_private_key=wrapped, encrypted_shares=tuple(sealed)
    )


def share_decrypt(*, member_key: HybridPrivateKey, envelope: bytes) -> OpeningShare:
    """Open the share sealed to ``member_key``. Raises WrongRecipientError, ShareError, ..."""
    plain = envelope_decrypt_bytes(private_key=member_key, envelope=envelope)
    return OpeningShare.from_json(plain)


def _unwrap(wrapped: WrappedOpeningKey, points: dict[int, bytes]) -> HybridPrivateKey | None:
    kek = shamir.combine(points)
    try:
        raw = AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, wrapped._aad())
    except InvalidTag:
        return None
    return HybridPrivateKey.from_raw(raw)


def opening_key_recover(
    *,
    wrapped: WrappedOpeningKey,
    shares: Sequence[OpeningShare],
    public_key: HybridPublicKey | None = None,
) -> HybridPrivateKey:
    """Rebuild the opening private key from at least k shares, in memory only.

    Fails loudly, never with a wrong key: ShareError (code ``shares_insufficient``) for fewer
    than k distinct shares, ShareError for a share of another key/tender or a duplicate index,
    ShareError (code ``shares_wrong``) when the shares do not authenticate the wrapped key.
    With more than k shares every k-subset is tried so the message can name the bad share.
    """
    for share in shares:
        if share.key_id != wrapped.key_id or share.binding != wrapped.binding:
            raise ShareError(
                f"share {share.index} belongs to key {share.key_id} ({share.binding}), "
                f"not to this opening key {wrapped.key_id} ({wrapped.binding})",
                reason="other_key",
                params={"index": share.index},
            )
        if share.threshold != wrapped.threshold or share.shares != wrapped.shares:
            raise ShareError(
                f"share {share.index} says {share.threshold} of {share.shares}, the key says "
                f"{wrapped.threshold} of {wrapped.shares}",
                reason="other_key",
                params={"index": share.index},
            )
    indices = [s.index for s in shares]
    duplicates = sorted({i for i in indices if indices.count(i) > 1})
    if duplicates:
        raise ShareError(
            f"share index {', '.join(map(str, duplicates))} supplied more than once: "
            "each committee member's share counts once",
            reason="duplicate",
            params={"shares": ", ".join(map(str, duplicates))},
        )
    if len(shares) < wrapped.threshold:
        raise ShareError(
            f"{wrapped.threshold} of {wrapped.shares} shares are needed to open, "
            f"only {len(shares)} supplied",
            code=CryptoErrorCode.SHARES_INSUFFICIENT,
            params={"needed": wrapped.threshold, "given": len(shares)},
        )
    points = {s.index: s.value for s in shares}
    ordered = sorted(points)
    key = _unwrap(wrapped, {i: points[i] for i in ordered[: wrapped.threshold]})
    bad: list[int] = []
    if key is None or len(ordered) > wrapped.threshold:
        good_subset: tuple[int, ...] | None = None
        if key is not None:
            good_subset = tuple(ordered[: wrapped.threshold])
        elif math.comb(len(ordered), wrapped.threshold) <= MAX_SUBSETS_TRIED:
            for subset in itertools.combinations(ordered, wrapped.threshold):
                key = _unwrap(wrapped, {i: points[i] for i in subset})
                if key is not None:
                    good_subset = subset
                    break
        if key is None or good_subset is None:
            raise ShareError(
                f"the supplied shares ({', '.join(map(str, ordered))}) do not rebuild the opening "
                "key: at least one share is wrong or was altered",
                code=CryptoErrorCode.SHARES_WRONG,
            )
        base = {i: points[i] for i in good_subset}
        bad = [i for i in ordered if i not in base and shamir.interpolate(base, at=i) != points[i]]
    if bad:
        raise ShareError(
            f"share {', '.join(map(str, bad))} is wrong or was altered (it does not agree with "
            "the other shares)",
            code=CryptoErrorCode.SHARES_WRONG,
            reason="disagrees",
            params={"shares": ", ".join(map(str, bad))},
        )
    assert key is not None
    if key.public_key.key_id_hex != wrapped.key_id or (
        public_key is not None and key.public_key.key_id != public_key.key_id
    ):
        raise ShareError(
            "rebuilt key does not match the tender's public opening key",
            code=CryptoErrorCode.SHARES_WRONG,
        )
    return key
