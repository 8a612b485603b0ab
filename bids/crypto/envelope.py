"""Envelope format v1: hybrid KEM + chunked AES-256-GCM, streamed; see docs/envelope.md.

Layout (integers big-endian)::

    0     8  magic  89 5A 42 49 44 0D 0A 1A  ("\\x89ZBID\\r\\n\\x1a")
    8     1  version = 1
    9     1  suite = 1 (X25519 + ML-KEM-768, HKDF-SHA-256, AES-256-GCM)
    10    1  chunk_log2 (10..24): plaintext chunk size = 2**chunk_log2
    11    1  flags = 0
    12   16  recipient key id
    28   32  HKDF salt (random)
    60   32  X25519 ephemeral public key
    92 1088  ML-KEM-768 ciphertext
  1180   32  key commitment (second half of the HKDF output)
  1212  ...  chunks: AES-256-GCM(ciphertext || 16-byte tag), every chunk but the last full

Key schedule: ``okm = HKDF-SHA-256(ikm = ss_x25519 || ss_mlkem, salt, info, 64)`` with
``info = "zuschlag/envelope/v1" || SHA-256(header) || recipient X25519 public key ||
SHA-256(recipient ML-KEM public key)``; the header carries the ephemeral key, the ML-KEM
ciphertext and the key id, so all of them are bound. ``okm[:32]`` is the content key,
``okm[32:]`` the commitment. Chunk ``i``: nonce = 4 zero bytes || u64(i),
AAD = SHA-256(header) || u64(i) || u8(last).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import queue
import struct
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import (
    CryptoErrorCode,
    EnvelopeFormatError,
    EnvelopeTamperedError,
    KeyFormatError,
    WrongRecipientError,
)
from .keys import KEY_ID_LEN, MLKEM768_CIPHERTEXT_LEN, HybridPrivateKey, HybridPublicKey

MAGIC = b"\x89ZBID\r\n\x1a"
VERSION = 1
SUITE_X25519_MLKEM768_AES256GCM = 1
HEADER_LEN = 8 + 4 + KEY_ID_LEN + 32 + 32 + MLKEM768_CIPHERTEXT_LEN  # 1180
COMMITMENT_LEN = 32
PREAMBLE_LEN = HEADER_LEN + COMMITMENT_LEN  # 1212: everything before the first chunk
TAG_LEN = 16
MIN_CHUNK_LOG2 = 10
MAX_CHUNK_LOG2 = 24
DEFAULT_CHUNK_LOG2 = 20  # 1 MiB: few AES-GCM calls, still small in a browser tab
MAX_CHUNKS = 2**32
MEDIA_TYPE = "application/vnd.zuschlag.envelope.v1"
KDF_LABEL = b"zuschlag/envelope/v1"


@dataclass(frozen=True)
class EnvelopeHeader:
    """The parsed authenticated header; ``raw`` is the exact 1180 bytes."""

    version: int
    suite: int
    chunk_log2: int
    key_id: bytes
    salt: bytes
    x25519_ephemeral: bytes
    mlkem_ciphertext: bytes
    raw: bytes

    @property
    def chunk_size(self) -> int:
        return 1 << self.chunk_log2

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()


@dataclass(frozen=True)
class EnvelopeInfo:
    """What an encrypt or decrypt run learnt: sizes and the ciphertext's SHA-256."""

    key_id: str
    plaintext_size: int
    ciphertext_size: int
    ciphertext_sha256: str
    chunks: int


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _read_exact(source: _Readable, n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads (sockets, request streams)."""
    data = source.read(n)
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = source.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class _Sha256:
    """SHA-256 that moves to a helper thread once a stream is large.

    SHA-256 (about 450 MB/s here) is slower than AES-GCM (about 2.5 GB/s); hashlib releases the
    GIL, so on a second core the hash overlaps encryption and I/O instead of adding to them.
    The queue is bounded, so memory stays at a few chunks.
    """

    INLINE_LIMIT = 4 << 20

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._inline = 0
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def _work(q: queue.Queue[bytes | None], h: hashlib._Hash) -> None:
        while (item := q.get()) is not None:
            h.update(item)

    def update(self, data: bytes) -> None:
        if self._queue is None:
            self._hash.update(data)
            self._inline += len(data)
            if self._inline >= self.INLINE_LIMIT:
                self._queue = queue.Queue(maxsize=4)
                self._thread = threading.Thread(
                    target=self._work, args=(self._queue, self._hash), daemon=True
                )
                self._thread.start()
                # An abandoned stream (client gone) must not leave the thread waiting forever.
                weakref.finalize(self, self._queue.put, None)
        else:
            self._queue.put(data)

    def hexdigest(self) -> str:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        return self._hash.hexdigest()


def envelope_size(*, plaintext_size: int, chunk_log2: int = DEFAULT_CHUNK_LOG2) -> int:
    """Exact envelope length for a plaintext length (lets a client send Content-Length)."""
    chunk = 1 << chunk_log2
    chunks = max(1, -(-plaintext_size // chunk))
    return PREAMBLE_LEN + plaintext_size + chunks * TAG_LEN


def header_parse(data: bytes) -> EnvelopeHeader:
    """Parse and check the first HEADER_LEN bytes; no key needed. Raises EnvelopeFormatError."""
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise EnvelopeFormatError(
            "not an encrypted bid envelope: the file does not start with the envelope magic "
            "bytes (plain, unencrypted files are refused)",
            code=CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED,
            reason="no_magic",
        )
    if len(data) < HEADER_LEN:
        raise EnvelopeFormatError(
            f"envelope header incomplete: {len(data)} of {HEADER_LEN} bytes",
            code=CryptoErrorCode.ENVELOPE_TRUNCATED,
            params={"size": len(data)},
        )
    version, suite, chunk_log2, flags = data[8], data[9], data[10], data[11]
    if version != VERSION:
        raise EnvelopeFormatError(f"envelope version {version} is not supported (only 1)")
    if suite != SUITE_X25519_MLKEM768_AES256GCM:
        raise EnvelopeFormatError(f"envelope cipher suite {suite} is not supported (only 1)")
    if not MIN_CHUNK_LOG2 <= chunk_log2 <= MAX_CHUNK_LOG2:
        raise EnvelopeFormatError(
            f"envelope chunk size 2^{chunk_log2} outside 2^{MIN_CHUNK_LOG2}..2^{MAX_CHUNK_LOG2}"
        )
    if flags != 0:
        raise EnvelopeFormatError(f"envelope flags {flags:#04x} are reserved and must be 0")
    pos = 12
    key_id = data[pos : pos + KEY_ID_LEN]
    pos += KEY_ID_LEN
    salt = data[pos : pos + 32]
    pos += 32
    eph = data[pos : pos + 32]
    pos += 32
    ct = data[pos : pos + MLKEM768_CIPHERTEXT_LEN]
    if eph == bytes(32):
        raise EnvelopeFormatError("envelope X25519 ephemeral key is all zero")
    return EnvelopeHeader(
        version=version,
        suite=suite,
        chunk_log2=chunk_log2,
        key_id=key_id,
        salt=salt,
        x25519_ephemeral=eph,
        mlkem_ciphertext=ct,
        raw=bytes(data[:HEADER_LEN]),
    )


def _derive(
    *, header: bytes, ss_x25519: bytes, ss_mlkem: bytes, salt: bytes, recipient: HybridPublicKey
) -> tuple[bytes, bytes, bytes]:
    """Return (content key, commitment, header hash)."""
    header_hash = hashlib.sha256(header).digest()
    info = KDF_LABEL + header_hash + recipient.x25519 + hashlib.sha256(recipient.mlkem768).digest()
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=info).derive(
        ss_x25519 + ss_mlkem
    )
    return okm[:32], okm[32:], header_hash


def _nonce(index: int) -> bytes:
    return b"\x00\x00\x00\x00" + struct.pack(">Q", index)


def _aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + struct.pack(">QB", index, 1 if last else 0)


def _header_bytes(
    *, chunk_log2: int, key_id: bytes, salt: bytes, eph: bytes, mlkem_ct: bytes
) -> bytes:
    return (
        MAGIC
        + bytes([VERSION, SUITE_X25519_MLKEM768_AES256GCM, chunk_log2, 0])
        + key_id
        + salt
        + eph
        + mlkem_ct
    )


class EnvelopeSealer:
    """Low-level streaming encryptor: ``preamble`` first, then ``seal_chunk`` per chunk.

    Prefer ``envelope_encrypt`` / ``envelope_encrypt_iter``; this class exists so that callers
    with their own I/O loop (and the test vectors, which inject the KEM outputs) share one code
    path.
    """

    def __init__(
        self,
        *,
        recipient: HybridPublicKey,
        chunk_log2: int = DEFAULT_CHUNK_LOG2,
        _x25519_ephemeral: bytes | None = None,
        _mlkem: tuple[bytes, bytes] | None = None,
        _salt: bytes | None = None,
    ) -> None:
        if not MIN_CHUNK_LOG2 <= chunk_log2 <= MAX_CHUNK_LOG2:
            raise ValueError(f"chunk_log2 must be {MIN_CHUNK_LOG2}..{MAX_CHUNK_LOG2}")
        eph_priv = (
            x25519.X25519PrivateKey.from_private_bytes(_x25519_ephemeral)
            if _x25519_ephemeral is not None
            else x25519.X25519PrivateKey.generate()
        )
        eph_pub = eph_priv.public_key().public_bytes_raw()
        try:
            ss_x = eph_priv.exchange(x25519.X25519PublicKey.from_public_bytes(recipient.x25519))
        except ValueError as exc:
            raise KeyFormatError(
                f"recipient key {recipient.key_id_hex} has an invalid X25519 part (low order)"
            ) from exc
        if _mlkem is None:
            ss_m, ct = mlkem.MLKEM768PublicKey.from_public_bytes(recipient.mlkem768).encapsulate()
        else:
            ss_m, ct = _mlkem
        salt = _salt if _salt is not None else os.urandom(32)
        self.chunk_log2 = chunk_log2
        self.chunk_size = 1 << chunk_log2
        self.key_id = recipient.key_id
        header = _header_bytes(
            chunk_log2=chunk_log2, key_id=recipient.key_id, salt=salt, eph=eph_pub, mlkem_ct=ct
        )
        key, commitment, self._header_hash = _derive(
            header=header, ss_x25519=ss_x, ss_mlkem=ss_m, salt=salt, recipient=recipient
        )
        self.preamble = header + commitment
        self._aead = AESGCM(key)
        self._index = 0
        self._finished = False

    def seal_chunk(self, data: bytes, *, last: bool) -> bytes:
        if self._finished:
            raise ValueError("envelope already finished")
        if len(data) > self.chunk_size or (not last and len(data) != self.chunk_size):
            raise ValueError("every chunk but the last must be exactly chunk_size bytes")
        if self._index >= MAX_CHUNKS:
            raise ValueError("too many chunks")
        out = self._aead.encrypt(
            _nonce(self._index), data, _aad(self._header_hash, self._index, last)
        )
        self._index += 1
        self._finished = last
        return out


def envelope_encrypt_iter(
    *,
    recipient: HybridPublicKey,
    source: _Readable,
    chunk_log2: int = DEFAULT_CHUNK_LOG2,
) -> Iterator[bytes]:
    """Yield the envelope piece by piece (preamble, then one sealed chunk at a time).

    Memory stays at about two chunks whatever the source size; suitable as an HTTP body.
    """
    sealer = EnvelopeSealer(recipient=recipient, chunk_log2=chunk_log2)
    yield sealer.preamble
    current = _read_exact(source, sealer.chunk_size)
    while True:
        if len(current) < sealer.chunk_size:
            yield sealer.seal_chunk(current, last=True)
            return
        following = _read_exact(source, sealer.chunk_size)
        if not following:
            yield sealer.seal_chunk(current, last=True)
            return
        yield sealer.seal_chunk(current, last=False)
        current = following


def envelope_encrypt(
    *,
    recipient: HybridPublicKey,
    source: _Readable,
    sink: BinaryIO,
    chunk_log2: int = DEFAULT_CHUNK_LOG2,
) -> EnvelopeInfo:
    """Encrypt ``source`` to ``sink`` for ``recipient``; returns sizes and ciphertext SHA-256."""
    digest = _Sha256()
    pieces = envelope_encrypt_iter(recipient=recipient, source=source, chunk_log2=chunk_log2)
    written = plain = chunks = 0
    for number, piece in enumerate(pieces):
        sink.write(piece)
        digest.update(piece)
        written += len(piece)
        if number:  # piece 0 is the preamble, every later one a sealed chunk
            chunks += 1
            plain += len(piece) - TAG_LEN
    return EnvelopeInfo(
        key_id=recipient.key_id_hex,
        plaintext_size=plain,
        ciphertext_size=written,
        ciphertext_sha256=digest.hexdigest(),
        chunks=chunks,
    )


def envelope_encrypt_bytes(
    *, recipient: HybridPublicKey, plaintext: bytes, chunk_log2: int = DEFAULT_CHUNK_LOG2
) -> bytes:
    """Convenience for small payloads (key shares, tests)."""
    sink = io.BytesIO()
    envelope_encrypt(
        recipient=recipient, source=io.BytesIO(plaintext), sink=sink, chunk_log2=chunk_log2
    )
    return sink.getvalue()


class EnvelopeOpener:
    """Low-level streaming decryptor; prefer ``envelope_decrypt``."""

    def __init__(self, *, private_key: HybridPrivateKey, preamble: bytes) -> None:
        header = header_parse(preamble)
        if len(preamble) < PREAMBLE_LEN:
            raise EnvelopeFormatError(
                "envelope ends inside its header", code=CryptoErrorCode.ENVELOPE_TRUNCATED
            )
        if header.key_id != private_key.key_id:
            raise WrongRecipientError(
                f"envelope is sealed for key {header.key_id_hex}, not for the supplied key "
                f"{private_key.public_key.key_id_hex} (wrong recipient or wrong tender)",
                params={"got": header.key_id_hex, "expected": private_key.public_key.key_id_hex},
            )
        try:
            ss_x = private_key.x25519_exchange(header.x25519_ephemeral)
        except KeyFormatError as exc:
            raise EnvelopeTamperedError(
                f"envelope header rejected: {exc}", reason="header_altered"
            ) from exc
        ss_m = private_key.mlkem_decapsulate(header.mlkem_ciphertext)
        key, commitment, self._header_hash = _derive(
            header=header.raw,
            ss_x25519=ss_x,
            ss_mlkem=ss_m,
            salt=header.salt,
            recipient=private_key.public_key,
        )
        if not hmac.compare_digest(commitment, preamble[HEADER_LEN:PREAMBLE_LEN]):
            raise EnvelopeTamperedError(
                "envelope header or key commitment was altered (key check failed before any "
                "content was decrypted)",
                reason="header_altered",
            )
        self.header = header
        self._aead = AESGCM(key)
        self.index = 0

    def _try(self, index: int, data: bytes, last: bool) -> bytes | None:
        try:
            return self._aead.decrypt(_nonce(index), data, _aad(self._header_hash, index, last))
        except InvalidTag:
            return None

    def open_chunk(self, data: bytes, *, last: bool) -> bytes:
        index = self.index
        plain = self._try(index, data, last)
        if plain is not None:
            self.index += 1
            return plain
        raise self._diagnose(index, data, last)

    def _diagnose(self, index: int, data: bytes, last: bool) -> EnvelopeTamperedError:
        # Only on the failure path: a few extra trial decryptions buy a precise message.
        if last and self._try(index, data, False) is not None:
            return EnvelopeTamperedError(
                f"envelope truncated: chunk {index} is not the final chunk but the stream ends "
                "there (chunks were cut off)",
                reason="cut_off",
                params={"index": index},
            )
        if not last and self._try(index, data, True) is not None:
            return EnvelopeTamperedError(
                f"envelope has data after its final chunk {index} (bytes appended or spliced)",
                reason="appended",
                params={"index": index},
            )
        for other in range(max(0, index - 16), index + 17):
            if other != index:
                for flag in (last, not last):
                    if self._try(other, data, flag) is not None:
                        return EnvelopeTamperedError(
                            f"envelope chunks reordered: chunk {other} found at position {index}",
                            reason="reordered",
                            params={"index": other, "position": index},
                        )
        return EnvelopeTamperedError(
            f"envelope chunk {index} failed authentication: ciphertext changed or corrupted",
            reason="chunk_changed",
            params={"index": index},
        )


def envelope_decrypt(
    *,
    private_key: HybridPrivateKey,
    source: _Readable,
    sink: BinaryIO,
    expected_sha256: str | None = None,
) -> EnvelopeInfo:
    """Decrypt a v1 envelope from ``source`` into ``sink``, chunk by chunk.

    With ``expected_sha256`` (the hash recorded at receipt) the ciphertext must also hash to
    it: a stored file swapped for another valid envelope is refused.
    Raises EnvelopeFormatError, WrongRecipientError or EnvelopeTamperedError. Plaintext of
    earlier chunks may already be in ``sink`` when a later chunk fails: write to a temporary
    file and discard it on error.
    """
    digest = _Sha256()
    preamble = _read_exact(source, PREAMBLE_LEN)
    digest.update(preamble)
    opener = EnvelopeOpener(private_key=private_key, preamble=preamble)
    sealed_len = opener.header.chunk_size + TAG_LEN
    plain_total = 0
    size = len(preamble)
    current = _read_exact(source, sealed_len)
    if len(current) < TAG_LEN:
        raise EnvelopeTamperedError(
            "envelope truncated: no complete chunk after the header", reason="cut_off"
        )
    while True:
        digest.update(current)
        size += len(current)
        following = _read_exact(source, sealed_len) if len(current) == sealed_len else b""
        last = not following
        if len(current) < TAG_LEN:
            raise EnvelopeTamperedError(
                f"envelope truncated: chunk {opener.index} is shorter than its tag",
                reason="cut_off",
                params={"index": opener.index},
            )
        plain = opener.open_chunk(current, last=last)
        sink.write(plain)
        plain_total += len(plain)
        if last:
            break
        current = following
    ciphertext_sha256 = digest.hexdigest()
    if expected_sha256 is not None and not hmac.compare_digest(
        ciphertext_sha256, expected_sha256.lower()
    ):
        raise EnvelopeTamperedError(
            f"stored ciphertext hashes to {ciphertext_sha256}, but {expected_sha256} was "
            "recorded at receipt: the stored file was replaced after submission",
            reason="replaced",
        )
    return EnvelopeInfo(
        key_id=opener.header.key_id_hex,
        plaintext_size=plain_total,
        ciphertext_size=size,
        ciphertext_sha256=ciphertext_sha256,
        chunks=opener.index,
    )


def envelope_decrypt_bytes(*, private_key: HybridPrivateKey, envelope: bytes) -> bytes:
    """Convenience for small envelopes (key shares, tests)."""
    sink = io.BytesIO()
    envelope_decrypt(private_key=private_key, source=io.BytesIO(envelope), sink=sink)
    return sink.getvalue()


# A chi-square statistic over 256 byte values; for random bytes it has mean 255 and standard
# deviation ~22.6. 255 + 12 * 22.6 ≈ 527 is beyond any honest ciphertext (p < 1e-20) while a
# plaintext body behind a forged header scores in the thousands.
_CHI2_LIMIT = 527.0
_CHI2_SAMPLE = 64 * 1024
_CHI2_MIN_SAMPLE = 4 * 1024


def _chi_square(sample: bytes) -> float:
    counts = Counter(sample)
    expected = len(sample) / 256
    return sum((counts.get(b, 0) - expected) ** 2 for b in range(256)) / expected


class EnvelopeStreamCheck:
    """Cheap, keyless structural check for an upload in flight.

    Feed the request body piece by piece: ``feed`` raises EnvelopeFormatError as soon as the
    first bytes are not the envelope magic (a plain file) or the header is complete and wrong
    (other version, other tender's key: WrongRecipientError); ``finish`` checks that the length
    is a valid chunk sequence and returns size + SHA-256. It also runs a randomness test on the
    first 64 KiB of the body, catching a client that writes plaintext behind a valid header.
    """

    def __init__(self, *, expected_key_id: bytes | str | None = None) -> None:
        if isinstance(expected_key_id, str):
            expected_key_id = bytes.fromhex(expected_key_id)
        self._expected = expected_key_id
        self._head = bytearray()
        self._sample = bytearray()
        self._sampled = False
        self.header: EnvelopeHeader | None = None
        self._digest = _Sha256()
        self.size = 0

    def feed(self, data: bytes) -> None:
        self._digest.update(data)
        self.size += len(data)
        if self.header is None:
            self._head += data
            seen = min(len(self._head), len(MAGIC))
            if self._head[:seen] != MAGIC[:seen]:
                header_parse(bytes(self._head))  # raises the "not encrypted" error
            if len(self._head) < PREAMBLE_LEN:
                return
            header = header_parse(bytes(self._head))
            if self._expected is not None and header.key_id != self._expected:
                raise WrongRecipientError(
                    f"envelope is sealed for key {header.key_id_hex}, but this tender's opening "
                    f"key is {self._expected.hex()}: encrypt with the tender's published key",
                    reason="other_tender",
                    params={"got": header.key_id_hex, "expected": self._expected.hex()},
                )
            self.header = header
            data = bytes(self._head[PREAMBLE_LEN:])
            self._head = bytearray()
        if not self._sampled and data:
            self._sample += data[: _CHI2_SAMPLE - len(self._sample)]
            if len(self._sample) >= _CHI2_SAMPLE:
                self._check_randomness()

    def _check_randomness(self) -> None:
        self._sampled = True
        sample = bytes(self._sample)
        self._sample = bytearray()
        if len(sample) >= _CHI2_MIN_SAMPLE and _chi_square(sample) > _CHI2_LIMIT:
            raise EnvelopeFormatError(
                "envelope body does not look encrypted (byte distribution far from random): "
                "plain content behind an envelope header is refused",
                code=CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED,
                reason="not_random",
            )

    def finish(self) -> EnvelopeInfo:
        """Call at end of upload; raises EnvelopeFormatError if the length cannot be right."""
        if self.header is None:
            raise EnvelopeFormatError(
                f"upload too short for an envelope ({self.size} bytes, the header alone is "
                f"{PREAMBLE_LEN})",
                code=CryptoErrorCode.ENVELOPE_TRUNCATED,
                params={"size": self.size},
            )
        if not self._sampled:
            self._check_randomness()
        body = self.size - PREAMBLE_LEN
        sealed = self.header.chunk_size + TAG_LEN
        chunks, rest = divmod(body, sealed)
        if body < TAG_LEN or (rest and rest < TAG_LEN):
            raise EnvelopeFormatError(
                f"envelope length {self.size} is not a valid sequence of chunks "
                "(truncated or padded upload)",
                code=CryptoErrorCode.ENVELOPE_TRUNCATED,
                params={"size": self.size},
            )
        total_chunks = chunks + (1 if rest else 0)
        return EnvelopeInfo(
            key_id=self.header.key_id_hex,
            plaintext_size=body - total_chunks * TAG_LEN,
            ciphertext_size=self.size,
            ciphertext_sha256=self._digest.hexdigest(),
            chunks=total_chunks,
        )


def envelope_receive(
    *,
    source: _Readable,
    sink: _Writable,
    content_length: int,
    max_size: int,
    expected_key_id: bytes | str | None = None,
    block: int = 1 << 20,
) -> EnvelopeInfo:
    """Copy an upload of ``content_length`` bytes from ``source`` to ``sink``, checking it.

    For the upload view: memory stays at a few blocks of 1 MiB (a quarter of the Python calls
    per byte of 256 KiB blocks, still flat for any size); plain files are refused after their
    first bytes, before anything much is written. Raises EnvelopeFormatError (codes
    ``envelope_too_large``, ``envelope_not_encrypted``, ``envelope_truncated``, ...) or
    WrongRecipientError; on error the caller deletes what reached ``sink``.
    """
    if content_length < 0:
        raise EnvelopeFormatError(
            "upload without Content-Length refused: send the envelope's exact size",
            code=CryptoErrorCode.ENVELOPE_FORMAT,
            reason="no_length",
        )
    if content_length > max_size:
        raise EnvelopeFormatError(
            f"envelope of {content_length} bytes exceeds the limit of {max_size} bytes",
            code=CryptoErrorCode.ENVELOPE_TOO_LARGE,
            params={"size": content_length, "limit": max_size},
        )
    check = EnvelopeStreamCheck(expected_key_id=expected_key_id)
    left = content_length
    while left:
        piece = source.read(min(block, left))
        if not piece:
            raise EnvelopeFormatError(
                f"upload ended after {content_length - left} of {content_length} bytes",
                code=CryptoErrorCode.ENVELOPE_TRUNCATED,
                reason="upload_ended",
                params={"received": content_length - left, "expected": content_length},
            )
        left -= len(piece)
        check.feed(piece)
        sink.write(piece)
    return check.finish()


def envelope_check_stream(
    *, source: _Readable, expected_key_id: bytes | str | None = None, block: int = 1 << 20
) -> EnvelopeInfo:
    """Run EnvelopeStreamCheck over a whole readable (e.g. a stored file)."""
    check = EnvelopeStreamCheck(expected_key_id=expected_key_id)
    while piece := source.read(block):
        check.feed(piece)
    return check.finish()
