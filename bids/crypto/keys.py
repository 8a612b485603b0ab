"""Hybrid recipient keys: X25519 together with ML-KEM-768.

The same key type serves the tender's opening key and each committee member's personal key.
Raw private form (96 bytes) = X25519 private scalar (32) || ML-KEM-768 seed d||z (64, FIPS 203).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from .encoding import b64u_decode, b64u_encode, canonical_json, expect, json_object
from .errors import KeyFormatError

X25519_LEN = 32
MLKEM768_PUBLIC_LEN = 1184
MLKEM768_SEED_LEN = 64
MLKEM768_CIPHERTEXT_LEN = 1088
PRIVATE_RAW_LEN = X25519_LEN + MLKEM768_SEED_LEN
KEY_ID_LEN = 16

PUBLIC_KEY_TYPE = "zuschlag-hybrid-public-key"
ALGORITHM = "X25519+ML-KEM-768"


def key_id_for(*, x25519_public: bytes, mlkem768_public: bytes) -> bytes:
    """16-byte key id: SHA-256 over a label and both public keys, truncated."""
    digest = hashlib.sha256(b"zuschlag/key-id/v1\x00" + x25519_public + mlkem768_public)
    return digest.digest()[:KEY_ID_LEN]


@dataclass(frozen=True)
class HybridPublicKey:
    """Public half of a hybrid key; serialise with ``to_json`` and store it anywhere."""

    x25519: bytes
    mlkem768: bytes
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if len(self.x25519) != X25519_LEN:
            raise KeyFormatError("X25519 public key must be 32 bytes")
        if len(self.mlkem768) != MLKEM768_PUBLIC_LEN:
            raise KeyFormatError("ML-KEM-768 public key must be 1184 bytes")
        try:
            mlkem.MLKEM768PublicKey.from_public_bytes(self.mlkem768)
        except ValueError as exc:
            raise KeyFormatError(f"ML-KEM-768 public key rejected: {exc}") from exc
        object.__setattr__(
            self, "key_id", key_id_for(x25519_public=self.x25519, mlkem768_public=self.mlkem768)
        )

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": PUBLIC_KEY_TYPE,
            "v": 1,
            "alg": ALGORITHM,
            "kid": self.key_id_hex,
            "x25519": b64u_encode(self.x25519),
            "mlkem768": b64u_encode(self.mlkem768),
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode("ascii")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> HybridPublicKey:
        what = "public key"
        if obj.get("type") != PUBLIC_KEY_TYPE or obj.get("v") != 1:
            raise KeyFormatError(f"{what}: not a {PUBLIC_KEY_TYPE} version 1")
        if obj.get("alg") != ALGORITHM:
            raise KeyFormatError(f"{what}: unsupported algorithm {obj.get('alg')!r}")
        key = cls(
            x25519=b64u_decode(expect(obj, "x25519", str, what=what), field="x25519", length=32),
            mlkem768=b64u_decode(
                expect(obj, "mlkem768", str, what=what), field="mlkem768", length=1184
            ),
        )
        kid = obj.get("kid")
        if kid is not None and kid != key.key_id_hex:
            raise KeyFormatError(
                f"{what}: kid {kid} does not match the key material ({key.key_id_hex})"
            )
        return key

    @classmethod
    def from_json(cls, data: str | bytes) -> HybridPublicKey:
        return cls.from_dict(json_object(data, what="public key"))


class HybridPrivateKey:
    """Private half; lives in memory only. ``raw`` is what gets wrapped or passphrase-protected."""

    __slots__ = ("_mlkem", "_x25519", "public_key")

    def __init__(self, *, x25519_private: bytes, mlkem768_seed: bytes) -> None:
        if len(x25519_private) != X25519_LEN or len(mlkem768_seed) != MLKEM768_SEED_LEN:
            raise KeyFormatError("hybrid private key must be 32 + 64 bytes")
        self._x25519 = x25519.X25519PrivateKey.from_private_bytes(x25519_private)
        self._mlkem = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem768_seed)
        self.public_key = HybridPublicKey(
            x25519=self._x25519.public_key().public_bytes_raw(),
            mlkem768=self._mlkem.public_key().public_bytes_raw(),
        )

    @classmethod
    def generate(cls) -> HybridPrivateKey:
        return cls(
            x25519_private=x25519.X25519PrivateKey.generate().private_bytes_raw(),
            mlkem768_seed=mlkem.MLKEM768PrivateKey.generate().private_bytes_raw(),
        )

    @classmethod
    def from_raw(cls, raw: bytes) -> HybridPrivateKey:
        if len(raw) != PRIVATE_RAW_LEN:
            raise KeyFormatError(f"hybrid private key must be {PRIVATE_RAW_LEN} bytes")
        return cls(x25519_private=raw[:X25519_LEN], mlkem768_seed=raw[X25519_LEN:])

    @property
    def raw(self) -> bytes:
        return self._x25519.private_bytes_raw() + self._mlkem.private_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return self.public_key.key_id

    def x25519_exchange(self, peer_public: bytes) -> bytes:
        try:
            return self._x25519.exchange(x25519.X25519PublicKey.from_public_bytes(peer_public))
        except ValueError as exc:
            # cryptography refuses an all-zero result (low-order point): a forged header.
            raise KeyFormatError("X25519 ephemeral key is invalid (low-order point)") from exc

    def mlkem_decapsulate(self, ciphertext: bytes) -> bytes:
        return self._mlkem.decapsulate(ciphertext)

    def __repr__(self) -> str:
        return f"<HybridPrivateKey kid={self.public_key.key_id_hex}>"
