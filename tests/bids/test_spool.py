"""The spool writer (O_DIRECT from one aligned buffer, buffered fallback) under envelope_receive."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from bids.crypto import (
    CryptoErrorCode,
    EnvelopeFormatError,
    HybridPrivateKey,
    envelope_encrypt_bytes,
    envelope_receive,
)
from bids.crypto.envelope import PREAMBLE_LEN, TAG_LEN
from bids.services import spool
from bids.services.spool import SpoolWriter


@pytest.fixture(scope="module")
def key() -> HybridPrivateKey:
    return HybridPrivateKey.generate()


@pytest.fixture(scope="module")
def large_envelope(key: HybridPrivateKey) -> bytes:
    # Over 4 MiB, so that the SHA-256 moves to its helper thread, and not a whole number of
    # spool blocks or disk blocks, so that the tail takes the unaligned path.
    return envelope_encrypt_bytes(
        recipient=key.public_key, plaintext=os.urandom(5 * 1024 * 1024 + 777), chunk_log2=16
    )


class _OddReads(io.RawIOBase):
    """A source whose reads return odd, changing sizes (a slow socket, a proxy)."""

    SIZES = (1, 4093, 65_537, 7, 1_048_577, 300_001)

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self._turn = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        size = self.SIZES[self._turn % len(self.SIZES)]
        self._turn += 1
        return self._data.read(min(n, size) if n >= 0 else size)


def _spool(tmp_path: Path, *, direct: bool = True, block: int = spool.BLOCK) -> SpoolWriter:
    fd = os.open(tmp_path / "upload.part", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return SpoolWriter(fd, block=block, direct=direct)


@pytest.mark.parametrize("direct", [True, False])
def test_odd_sized_reads_are_stored_byte_for_byte_with_the_right_sha256(
    tmp_path: Path, key: HybridPrivateKey, large_envelope: bytes, direct: bool
) -> None:
    # given
    source = _OddReads(large_envelope)

    # when
    with _spool(tmp_path, direct=direct) as sink:
        info = envelope_receive(
            source=source,
            sink=sink,
            content_length=len(large_envelope),
            max_size=len(large_envelope),
            expected_key_id=key.key_id,
        )
        sink.sync()

    # then
    assert (tmp_path / "upload.part").read_bytes() == large_envelope
    assert info.ciphertext_sha256 == hashlib.sha256(large_envelope).hexdigest()
    assert info.ciphertext_size == sink.written == len(large_envelope)


def test_writes_of_any_size_reach_the_file_in_order(tmp_path: Path) -> None:
    # given: a small block, so that pieces straddle several blocks and the tail is unaligned
    data = os.urandom(3 * 8192 + 4096 + 123)
    pieces = [data[:1], data[1:9000], data[9000:9001], data[9001:30000], data[30000:]]

    # when
    with _spool(tmp_path, block=8192) as sink:
        for piece in pieces:
            sink.write(piece)
        sink.sync()

    # then
    assert (tmp_path / "upload.part").read_bytes() == data


def test_a_refused_direct_write_falls_back_to_buffered_writes(tmp_path: Path, monkeypatch) -> None:
    # given: a file system that takes the O_DIRECT flag but refuses the writes (alignment)
    real_write = os.write

    def picky_write(fd: int, data: memoryview) -> int:
        if sink.direct:
            raise OSError(22, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(spool.os, "write", picky_write)
    data = os.urandom(3 * 8192 + 5)

    # when
    with _spool(tmp_path, block=8192) as sink:
        sink.write(data)
        sink.sync()

    # then
    assert not sink.direct
    assert (tmp_path / "upload.part").read_bytes() == data


def test_malformed_or_oversized_bodies_in_odd_reads_are_refused(
    tmp_path: Path, key: HybridPrivateKey, large_envelope: bytes
) -> None:
    # given: a plain file, a body cut inside a chunk's tag, one shorter than announced, an
    # oversized one
    plain = b"%PDF-1.7 " + os.urandom(3 * 1024 * 1024)
    padded = large_envelope[: PREAMBLE_LEN + 2 * (65536 + TAG_LEN) + 5]
    cases = [
        (plain, len(plain), 1 << 30, CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED),
        (padded, len(padded), 1 << 30, CryptoErrorCode.ENVELOPE_TRUNCATED),
        (large_envelope[:-5], len(large_envelope), 1 << 30, CryptoErrorCode.ENVELOPE_TRUNCATED),
        (
            large_envelope,
            len(large_envelope),
            len(large_envelope) - 1,
            CryptoErrorCode.ENVELOPE_TOO_LARGE,
        ),
    ]
    for number, (body, length, limit, code) in enumerate(cases):
        fd = os.open(tmp_path / f"{number}.part", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

        # when
        with SpoolWriter(fd) as sink, pytest.raises(EnvelopeFormatError) as refused:
            envelope_receive(
                source=_OddReads(body),
                sink=sink,
                content_length=length,
                max_size=limit,
                expected_key_id=key.key_id,
            )

        # then
        assert refused.value.code == code, (number, refused.value)
        # the plain file is refused on its first bytes, before any block reached the disk
        if number == 0:
            assert sink.written == 0


def test_plaintext_behind_a_valid_header_is_refused_in_odd_reads(
    tmp_path: Path, key: HybridPrivateKey, large_envelope: bytes
) -> None:
    # given: a real header followed by low-entropy bytes of the right length
    body = large_envelope[:PREAMBLE_LEN] + b"Angebot " * ((len(large_envelope) - PREAMBLE_LEN) // 8)
    body += b"x" * (len(large_envelope) - len(body))

    # when / then
    with _spool(tmp_path) as sink, pytest.raises(EnvelopeFormatError) as refused:
        envelope_receive(
            source=_OddReads(body),
            sink=sink,
            content_length=len(body),
            max_size=len(body),
            expected_key_id=key.key_id,
        )
    assert refused.value.code == CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED
