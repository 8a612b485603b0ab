"""Envelope v1: round trips, streaming, structural check, and every tampering case."""

from __future__ import annotations

import io
import os
import struct

import pytest

from bids.crypto import (
    PREAMBLE_LEN,
    CryptoErrorCode,
    EnvelopeFormatError,
    EnvelopeStreamCheck,
    EnvelopeTamperedError,
    HybridPrivateKey,
    HybridPublicKey,
    WrongRecipientError,
    envelope_check_stream,
    envelope_decrypt,
    envelope_decrypt_bytes,
    envelope_encrypt,
    envelope_encrypt_bytes,
    envelope_size,
    header_parse,
)
from bids.crypto.envelope import HEADER_LEN, TAG_LEN

CHUNK_LOG2 = 10
SEALED = (1 << CHUNK_LOG2) + TAG_LEN


@pytest.fixture(scope="module")
def key() -> HybridPrivateKey:
    return HybridPrivateKey.generate()


def _chunks(envelope: bytes) -> tuple[bytes, list[bytes]]:
    body = envelope[PREAMBLE_LEN:]
    return envelope[:PREAMBLE_LEN], [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 4096, 10_000])
def test_round_trip_and_exact_size(key: HybridPrivateKey, size: int) -> None:
    plaintext = os.urandom(size)
    envelope = envelope_encrypt_bytes(
        recipient=key.public_key, plaintext=plaintext, chunk_log2=CHUNK_LOG2
    )
    assert len(envelope) == envelope_size(plaintext_size=size, chunk_log2=CHUNK_LOG2)
    assert envelope_decrypt_bytes(private_key=key, envelope=envelope) == plaintext
    assert plaintext[:16] not in envelope or size < 16


def test_encrypt_reports_hash_and_sizes_that_decrypt_and_check_agree_on(
    key: HybridPrivateKey,
) -> None:
    plaintext = b"Angebot Los 1: 123.456,78 EUR " * 5000
    sink = io.BytesIO()
    info = envelope_encrypt(
        recipient=key.public_key, source=io.BytesIO(plaintext), sink=sink, chunk_log2=12
    )
    out = io.BytesIO()
    dec = envelope_decrypt(private_key=key, source=io.BytesIO(sink.getvalue()), sink=out)
    checked = envelope_check_stream(source=io.BytesIO(sink.getvalue()), block=777)
    assert out.getvalue() == plaintext
    assert info.ciphertext_sha256 == dec.ciphertext_sha256 == checked.ciphertext_sha256
    assert info.plaintext_size == dec.plaintext_size == checked.plaintext_size == len(plaintext)
    assert info.chunks == dec.chunks == checked.chunks == -(-len(plaintext) // 4096)
    assert info.key_id == key.public_key.key_id_hex


class _Trickle(io.RawIOBase):
    """A source returning at most 100 bytes per read, like a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._data.read(min(n, 100) if n >= 0 else 100)


def test_short_reads_from_source_are_handled(key: HybridPrivateKey) -> None:
    plaintext = os.urandom(5000)
    sink = io.BytesIO()
    envelope_encrypt(
        recipient=key.public_key, source=_Trickle(plaintext), sink=sink, chunk_log2=CHUNK_LOG2
    )
    out = io.BytesIO()
    envelope_decrypt(private_key=key, source=_Trickle(sink.getvalue()), sink=out)
    assert out.getvalue() == plaintext


def test_public_key_json_round_trip_and_kid_mismatch(key: HybridPrivateKey) -> None:
    text = key.public_key.to_json()
    assert HybridPublicKey.from_json(text) == key.public_key
    forged = text.replace(key.public_key.key_id_hex, "00" * 16)
    with pytest.raises(Exception, match="does not match the key material"):
        HybridPublicKey.from_json(forged)


def test_changed_ciphertext_byte_is_detected(key: HybridPrivateKey) -> None:
    envelope = bytearray(
        envelope_encrypt_bytes(
            recipient=key.public_key, plaintext=os.urandom(3000), chunk_log2=CHUNK_LOG2
        )
    )
    envelope[PREAMBLE_LEN + SEALED + 5] ^= 0x01
    with pytest.raises(EnvelopeTamperedError, match="chunk 1 failed authentication"):
        envelope_decrypt_bytes(private_key=key, envelope=bytes(envelope))


def test_changed_header_byte_is_detected_before_any_content(key: HybridPrivateKey) -> None:
    envelope = bytearray(envelope_encrypt_bytes(recipient=key.public_key, plaintext=b"x" * 100))
    envelope[40] ^= 0x80  # inside the salt
    with pytest.raises(EnvelopeTamperedError, match="header or key commitment was altered"):
        envelope_decrypt_bytes(private_key=key, envelope=bytes(envelope))


def test_truncated_stream_is_detected(key: HybridPrivateKey) -> None:
    envelope = envelope_encrypt_bytes(
        recipient=key.public_key, plaintext=os.urandom(3000), chunk_log2=CHUNK_LOG2
    )
    cut = envelope[: PREAMBLE_LEN + 2 * SEALED]  # drop the last chunk on a chunk boundary
    with pytest.raises(EnvelopeTamperedError, match="truncated") as err:
        envelope_decrypt_bytes(private_key=key, envelope=cut)
    assert "chunk 1 is not the final chunk" in str(err.value)
    with pytest.raises(EnvelopeTamperedError):
        envelope_decrypt_bytes(private_key=key, envelope=envelope[:-7])
    with pytest.raises(EnvelopeFormatError) as short:
        envelope_check_stream(source=io.BytesIO(envelope[: PREAMBLE_LEN + 5]))
    assert short.value.code == CryptoErrorCode.ENVELOPE_TRUNCATED


def test_reordered_chunks_are_detected(key: HybridPrivateKey) -> None:
    envelope = envelope_encrypt_bytes(
        recipient=key.public_key, plaintext=os.urandom(4000), chunk_log2=CHUNK_LOG2
    )
    preamble, chunks = _chunks(envelope)
    chunks[1], chunks[2] = chunks[2], chunks[1]
    with pytest.raises(EnvelopeTamperedError, match="reordered: chunk 2 found at position 1"):
        envelope_decrypt_bytes(private_key=key, envelope=preamble + b"".join(chunks))


def test_appended_chunk_is_detected(key: HybridPrivateKey) -> None:
    envelope = envelope_encrypt_bytes(
        recipient=key.public_key, plaintext=os.urandom(2048), chunk_log2=CHUNK_LOG2
    )
    preamble, chunks = _chunks(envelope)
    with pytest.raises(EnvelopeTamperedError, match="after its final chunk"):
        envelope_decrypt_bytes(private_key=key, envelope=preamble + b"".join(chunks) + chunks[0])


def test_wrong_recipient_is_named(key: HybridPrivateKey) -> None:
    other = HybridPrivateKey.generate()
    envelope = envelope_encrypt_bytes(recipient=other.public_key, plaintext=b"secret")
    with pytest.raises(WrongRecipientError, match=f"sealed for key {other.key_id.hex()}"):
        envelope_decrypt_bytes(private_key=key, envelope=envelope)


def test_forged_key_id_with_real_key_mismatch_fails_commitment(key: HybridPrivateKey) -> None:
    other = HybridPrivateKey.generate()
    envelope = bytearray(envelope_encrypt_bytes(recipient=other.public_key, plaintext=b"s"))
    envelope[12:28] = key.key_id  # relabel for our key: KEM secrets differ, commitment fails
    with pytest.raises(EnvelopeTamperedError, match="key commitment"):
        envelope_decrypt_bytes(private_key=key, envelope=bytes(envelope))


def test_plaintext_upload_is_refused_by_structural_check() -> None:
    check = EnvelopeStreamCheck()
    with pytest.raises(EnvelopeFormatError, match="not an encrypted bid envelope") as err:
        check.feed(b"%PDF-1.7\n")
    assert err.value.code == CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED


def test_plaintext_behind_forged_header_is_refused(key: HybridPrivateKey) -> None:
    envelope = envelope_encrypt_bytes(recipient=key.public_key, plaintext=b"")
    forged = envelope[:PREAMBLE_LEN] + b"Angebot, Preis 100.000 EUR. " * 3000
    with pytest.raises(EnvelopeFormatError, match="does not look encrypted"):
        envelope_check_stream(source=io.BytesIO(forged))


def test_structural_check_wants_the_tenders_key(key: HybridPrivateKey) -> None:
    other = HybridPrivateKey.generate()
    envelope = envelope_encrypt_bytes(recipient=other.public_key, plaintext=b"abc")
    with pytest.raises(WrongRecipientError, match="encrypt with the tender's published key"):
        envelope_check_stream(source=io.BytesIO(envelope), expected_key_id=key.key_id)
    info = envelope_check_stream(source=io.BytesIO(envelope), expected_key_id=other.key_id.hex())
    assert info.plaintext_size == 3


def test_structural_check_rejects_impossible_length(key: HybridPrivateKey) -> None:
    envelope = envelope_encrypt_bytes(
        recipient=key.public_key, plaintext=os.urandom(1024), chunk_log2=CHUNK_LOG2
    )
    padded = envelope + b"\x01" * 5  # 5 bytes cannot be a chunk (shorter than a tag)
    with pytest.raises(EnvelopeFormatError, match="not a valid sequence of chunks"):
        envelope_check_stream(source=io.BytesIO(padded))


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (8, 2, "version 2 is not supported"),
        (9, 7, "cipher suite 7"),
        (10, 30, r"chunk size 2\^30 outside"),
        (11, 1, "flags"),
    ],
)
def test_header_fields_are_validated(
    key: HybridPrivateKey, offset: int, value: int, message: str
) -> None:
    envelope = bytearray(envelope_encrypt_bytes(recipient=key.public_key, plaintext=b"x"))
    envelope[offset] = value
    with pytest.raises(EnvelopeFormatError, match=message):
        header_parse(bytes(envelope[:HEADER_LEN]))


def test_memory_stays_flat_for_large_streams(key: HybridPrivateKey) -> None:
    # 64 MiB through a counting sink: the encryptor must never ask the source for more than
    # one chunk at a time, so nothing ever holds the whole stream.
    total = 64 << 20
    biggest_read = 0

    class Source(io.RawIOBase):
        left = total

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            nonlocal biggest_read
            biggest_read = max(biggest_read, n)
            take = min(n, self.left)
            self.left -= take
            return b"\0" * take

    class Sink(io.RawIOBase):
        written = 0
        biggest = 0

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.written += len(data)
            self.biggest = max(self.biggest, len(data))
            return len(data)

    sink = Sink()
    info = envelope_encrypt(recipient=key.public_key, source=Source(), sink=sink)
    assert info.plaintext_size == total
    assert sink.written == envelope_size(plaintext_size=total)
    assert biggest_read <= 1 << 20
    assert sink.biggest <= (1 << 20) + TAG_LEN


def test_nonce_and_aad_layout_is_what_the_docs_say() -> None:
    from bids.crypto.envelope import _aad, _nonce

    assert _nonce(5) == b"\0\0\0\0" + struct.pack(">Q", 5)
    assert _aad(b"h" * 32, 5, True) == b"h" * 32 + struct.pack(">QB", 5, 1)


def test_hash_of_large_stream_is_right_when_hashed_on_a_thread(key: HybridPrivateKey) -> None:
    import hashlib

    plaintext = os.urandom(9 << 20)  # beyond the 4 MiB inline limit
    sink = io.BytesIO()
    info = envelope_encrypt(recipient=key.public_key, source=io.BytesIO(plaintext), sink=sink)
    expected = hashlib.sha256(sink.getvalue()).hexdigest()
    out = io.BytesIO()
    dec = envelope_decrypt(private_key=key, source=io.BytesIO(sink.getvalue()), sink=out)
    check = envelope_check_stream(source=io.BytesIO(sink.getvalue()), block=300_000)
    assert info.ciphertext_sha256 == dec.ciphertext_sha256 == check.ciphertext_sha256 == expected
    assert out.getvalue() == plaintext


def test_receive_copies_and_checks_an_upload(key: HybridPrivateKey) -> None:
    from bids.crypto import envelope_receive

    envelope = envelope_encrypt_bytes(recipient=key.public_key, plaintext=os.urandom(300_000))
    sink = io.BytesIO()
    info = envelope_receive(
        source=_Trickle(envelope),
        sink=sink,
        content_length=len(envelope),
        max_size=1 << 20,
        expected_key_id=key.key_id,
    )
    assert sink.getvalue() == envelope
    assert info.ciphertext_size == len(envelope)


def test_receive_refuses_plain_oversized_and_short_uploads(key: HybridPrivateKey) -> None:
    from bids.crypto import envelope_receive

    sink = io.BytesIO()
    with pytest.raises(EnvelopeFormatError) as plain:
        envelope_receive(
            source=io.BytesIO(b"%PDF-1.7 " * 1000), sink=sink, content_length=9000, max_size=1 << 20
        )
    assert plain.value.code == CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED
    assert sink.getvalue() == b""  # refused before the first piece was written
    with pytest.raises(EnvelopeFormatError, match="exceeds the limit") as big:
        envelope_receive(source=io.BytesIO(), sink=sink, content_length=2 << 20, max_size=1 << 20)
    assert big.value.code == CryptoErrorCode.ENVELOPE_TOO_LARGE
    envelope = envelope_encrypt_bytes(recipient=key.public_key, plaintext=b"x" * 5000)
    with pytest.raises(EnvelopeFormatError, match="upload ended after") as short:
        envelope_receive(
            source=io.BytesIO(envelope[:-10]),
            sink=io.BytesIO(),
            content_length=len(envelope),
            max_size=1 << 20,
        )
    assert short.value.code == CryptoErrorCode.ENVELOPE_TRUNCATED


def test_decrypt_refuses_a_swapped_but_valid_envelope(key: HybridPrivateKey) -> None:
    import hashlib

    original = envelope_encrypt_bytes(recipient=key.public_key, plaintext=b"Angebot A")
    swapped = envelope_encrypt_bytes(recipient=key.public_key, plaintext=b"Angebot B")
    recorded = hashlib.sha256(original).hexdigest()
    out = io.BytesIO()
    info = envelope_decrypt(
        private_key=key, source=io.BytesIO(original), sink=out, expected_sha256=recorded
    )
    assert info.ciphertext_sha256 == recorded
    with pytest.raises(EnvelopeTamperedError, match="the stored file was replaced"):
        envelope_decrypt(
            private_key=key, source=io.BytesIO(swapped), sink=io.BytesIO(), expected_sha256=recorded
        )


def test_low_order_recipient_key_is_refused_when_sealing() -> None:
    from bids.crypto import KeyFormatError

    good = HybridPrivateKey.generate().public_key
    bad = HybridPublicKey(x25519=bytes(32), mlkem768=good.mlkem768)
    with pytest.raises(KeyFormatError, match="invalid X25519 part"):
        envelope_encrypt_bytes(recipient=bad, plaintext=b"x")
