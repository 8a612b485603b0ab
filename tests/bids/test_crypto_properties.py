"""Property tests (hypothesis) and a flat-memory check on a large stream."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bids.crypto import (
    BidCryptoError,
    HybridPrivateKey,
    LogChainError,
    LogEvent,
    envelope_decrypt_bytes,
    envelope_encrypt_bytes,
    envelope_size,
    log_append,
    log_verify,
    shamir,
)

KEY = HybridPrivateKey.generate()


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=5000), chunk_log2=st.integers(min_value=10, max_value=12))
def test_round_trip_any_size_any_chunking(data: bytes, chunk_log2: int) -> None:
    envelope = envelope_encrypt_bytes(
        recipient=KEY.public_key, plaintext=data, chunk_log2=chunk_log2
    )
    assert len(envelope) == envelope_size(plaintext_size=len(data), chunk_log2=chunk_log2)
    assert envelope_decrypt_bytes(private_key=KEY, envelope=envelope) == data


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=3000), where=st.integers(min_value=0), bit=st.integers(0, 7)
)
def test_any_single_bit_flip_is_detected(data: bytes, where: int, bit: int) -> None:
    envelope = bytearray(
        envelope_encrypt_bytes(recipient=KEY.public_key, plaintext=data, chunk_log2=10)
    )
    envelope[where % len(envelope)] ^= 1 << bit
    with pytest.raises(BidCryptoError):
        envelope_decrypt_bytes(private_key=KEY, envelope=bytes(envelope))


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=3000), cut=st.integers(min_value=1))
def test_any_truncation_is_detected(data: bytes, cut: int) -> None:
    envelope = envelope_encrypt_bytes(recipient=KEY.public_key, plaintext=data, chunk_log2=10)
    with pytest.raises(BidCryptoError):
        envelope_decrypt_bytes(
            private_key=KEY, envelope=envelope[: len(envelope) - 1 - cut % len(envelope)]
        )


@settings(max_examples=30, deadline=None)
@given(
    secret=st.binary(min_size=1, max_size=40),
    n=st.integers(min_value=2, max_value=12),
    data=st.data(),
)
def test_shamir_any_k_subset_rebuilds(secret: bytes, n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=2, max_value=n))
    points = shamir.split(secret, threshold=k, shares=n)
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(points)), min_size=k, max_size=k, unique=True)
    )
    assert shamir.combine({x: points[x] for x in chosen}) == secret


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=8),
    data=st.data(),
)
def test_any_changed_log_field_is_detected(count: int, data: st.DataObject) -> None:
    entries = []
    for i in range(count):
        entries.append(
            log_append(
                tender="P-1",
                previous=entries[-1] if entries else None,
                event=LogEvent.SUBMITTED,
                lot="1",
                bidder=f"b{i}",
                bid=f"x{i}",
                ciphertext_sha256="ab" * 32,
                ciphertext_size=i,
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    field = data.draw(st.sampled_from(["lot", "bidder", "bid", "event", "recorded_at"]))
    entries[index] = replace(entries[index], **{field: getattr(entries[index], field) + "!"})
    with pytest.raises(LogChainError) as err:
        log_verify(tender="P-1", entries=entries)
    assert err.value.position == index + 1


@pytest.mark.slow
def test_peak_memory_flat_for_256_mib_file_to_file(tmp_path) -> None:
    # A fresh interpreter measures its own peak RSS around encrypt + decrypt of 256 MiB.
    script = textwrap.dedent(
        f"""
        import os, resource, sys
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).resolve().parents[2])!r})
        from bids.crypto import HybridPrivateKey, envelope_encrypt, envelope_decrypt
        key = HybridPrivateKey.generate()
        src, env, out = {str(tmp_path / "p")!r}, {str(tmp_path / "e")!r}, {str(tmp_path / "o")!r}
        with open(src, "wb") as fh:
            for _ in range(256):
                fh.write(os.urandom(1 << 20))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with open(src, "rb") as fi, open(env, "wb") as fo:
            envelope_encrypt(recipient=key.public_key, source=fi, sink=fo)
        with open(env, "rb") as fi, open(out, "wb") as fo:
            envelope_decrypt(private_key=key, source=fi, sink=fo)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    growth_mb = int(result.stdout.strip())
    assert growth_mb < 32, f"peak RSS grew by {growth_mb} MB for a 256 MiB stream"
    assert (tmp_path / "p").read_bytes()[:4096] == (tmp_path / "o").read_bytes()[:4096]
    assert (tmp_path / "p").stat().st_size == (tmp_path / "o").stat().st_size
