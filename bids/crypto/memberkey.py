"""Committee members' personal key files, protected by a passphrase.

One JSON format for browser (WebCrypto) and CLI::

    {"type": "zuschlag-member-key", "v": 1, "label": "...",
     "public": <HybridPublicKey JSON object>,
     "kdf": {"name": "PBKDF2-SHA-256", "iterations": 600000, "salt": b64u(16)},
     "cipher": {"name": "AES-256-GCM", "nonce": b64u(12)},
     "ciphertext": b64u(96 + 16)}

``ciphertext`` = AES-256-GCM(key = PBKDF2-HMAC-SHA-256(passphrase UTF-8 NFC, salt, iterations,
32 bytes), plaintext = X25519 private (32) || ML-KEM-768 seed (64),
AAD = "zuschlag-member-key-v1:" + key id hex).
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encoding import b64u_decode, b64u_encode, expect, json_object
from .errors import KeyFormatError, PassphraseError
from .keys import PRIVATE_RAW_LEN, HybridPrivateKey, HybridPublicKey

MEMBER_KEY_TYPE = "zuschlag-member-key"
# OWASP's 2023 figure for PBKDF2-HMAC-SHA-256; WebCrypto has no memory-hard KDF to offer.
DEFAULT_ITERATIONS = 600_000
MIN_ITERATIONS = 100_000
MAX_ITERATIONS = 10_000_000
MIN_PASSPHRASE_CHARS = 12


def _kek(passphrase: str, salt: bytes, iterations: int) -> bytes:
    normalised = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", normalised, salt, iterations, 32)


def _aad(public: HybridPublicKey) -> bytes:
    return b"zuschlag-member-key-v1:" + public.key_id_hex.encode("ascii")


@dataclass(frozen=True)
class MemberKeyFile:
    """A parsed member key file; ``unlock`` needs the passphrase."""

    public_key: HybridPublicKey
    label: str
    iterations: int
    salt: bytes
    nonce: bytes
    ciphertext: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": MEMBER_KEY_TYPE,
            "v": 1,
            "label": self.label,
            "public": self.public_key.to_dict(),
            "kdf": {
                "name": "PBKDF2-SHA-256",
                "iterations": self.iterations,
                "salt": b64u_encode(self.salt),
            },
            "cipher": {"name": "AES-256-GCM", "nonce": b64u_encode(self.nonce)},
            "ciphertext": b64u_encode(self.ciphertext),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: str | bytes) -> MemberKeyFile:
        what = "member key file"
        obj = json_object(data, what=what, max_bytes=64 * 1024)
        if obj.get("type") != MEMBER_KEY_TYPE or obj.get("v") != 1:
            raise KeyFormatError(f"{what}: not a {MEMBER_KEY_TYPE} version 1")
        kdf = expect(obj, "kdf", dict, what=what)
        cipher = expect(obj, "cipher", dict, what=what)
        if kdf.get("name") != "PBKDF2-SHA-256" or cipher.get("name") != "AES-256-GCM":
            raise KeyFormatError(f"{what}: unsupported kdf or cipher")
        iterations = expect(kdf, "iterations", int, what=what)
        if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            raise KeyFormatError(
                f"{what}: {iterations} PBKDF2 iterations outside {MIN_ITERATIONS}..{MAX_ITERATIONS}"
            )
        return cls(
            public_key=HybridPublicKey.from_dict(expect(obj, "public", dict, what=what)),
            label=obj.get("label", "") if isinstance(obj.get("label", ""), str) else "",
            iterations=iterations,
            salt=b64u_decode(expect(kdf, "salt", str, what=what), field="kdf.salt", length=16),
            nonce=b64u_decode(
                expect(cipher, "nonce", str, what=what), field="cipher.nonce", length=12
            ),
            ciphertext=b64u_decode(
                expect(obj, "ciphertext", str, what=what),
                field="ciphertext",
                length=PRIVATE_RAW_LEN + 16,
            ),
        )

    def unlock(self, *, passphrase: str) -> HybridPrivateKey:
        """Decrypt the private key; raises PassphraseError (wrong passphrase or altered file)."""
        try:
            raw = AESGCM(_kek(passphrase, self.salt, self.iterations)).decrypt(
                self.nonce, self.ciphertext, _aad(self.public_key)
            )
        except InvalidTag as exc:
            raise PassphraseError(
                "wrong passphrase for this member key (or the key file was altered)"
            ) from exc
        key = HybridPrivateKey.from_raw(raw)
        if key.key_id != self.public_key.key_id:
            raise KeyFormatError("member key file: private key does not match its public key")
        return key


def member_key_protect(
    *,
    private_key: HybridPrivateKey,
    passphrase: str,
    label: str = "",
    iterations: int = DEFAULT_ITERATIONS,
) -> MemberKeyFile:
    """Wrap ``private_key`` under ``passphrase``; raises ValueError for a short passphrase."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValueError(f"passphrase must have at least {MIN_PASSPHRASE_CHARS} characters")
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be {MIN_ITERATIONS}..{MAX_ITERATIONS}")
    salt = os.urandom(16)
    nonce = os.urandom(12)
    ciphertext = AESGCM(_kek(passphrase, salt, iterations)).encrypt(
        nonce, private_key.raw, _aad(private_key.public_key)
    )
    return MemberKeyFile(
        public_key=private_key.public_key,
        label=label,
        iterations=iterations,
        salt=salt,
        nonce=nonce,
        ciphertext=ciphertext,
    )


def member_key_generate(
    *, passphrase: str, label: str = "", iterations: int = DEFAULT_ITERATIONS
) -> tuple[MemberKeyFile, HybridPrivateKey]:
    """New personal key: the protected file to save and the unlocked key for immediate use."""
    private = HybridPrivateKey.generate()
    return (
        member_key_protect(
            private_key=private, passphrase=passphrase, label=label, iterations=iterations
        ),
        private,
    )
