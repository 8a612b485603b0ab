"""Envelope throughput and peak memory, beside a plain file copy and raw AES-GCM.

    .venv/bin/python bench/bids_crypto.py [--sizes 1,100,1000] [--dir DIR] [--opening 1000]

For each size (MB) a random file is written to DIR (default: a temp dir under var/, the same
disk), then each operation runs in a fresh child process that reports its wall time and its own
peak RSS (ru_maxrss), so peaks never mix; the best of 3 interleaved rounds (2 for 1 GB) counts:

- copy:        read + write in 1 MiB blocks (the baseline every other line is compared with)
- aesgcm-raw:  read, AES-256-GCM per 1 MiB block with a fixed key, write (crypto + I/O floor)
- encrypt:     bids.crypto.envelope_encrypt file -> file (X25519 + ML-KEM-768, chunked GCM)
- decrypt:     bids.crypto.envelope_decrypt file -> file
- check:       EnvelopeStreamCheck over the envelope (what the server runs during an upload)
- idle:        the child's RSS after the same imports, doing nothing

Goal (issue 3): envelope encrypt/decrypt >= 50 % of the copy's throughput, RSS flat in size.
``--opening N`` also decrypts N in-memory envelopes of 1 MB each (KEM + GCM per bid) beside raw
AES-GCM over the same bytes: the crypto share of an opening (goal for the whole opening of
1,000 bids: under 30 s).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BLOCK = 1 << 20
MB = 1_000_000


def _child(op: str, src: str, dst: str, keyfile: str) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from bids.crypto import (
        EnvelopeStreamCheck,
        HybridPrivateKey,
        envelope_decrypt,
        envelope_encrypt,
    )

    key = HybridPrivateKey.from_raw(bytes.fromhex(Path(keyfile).read_text()))
    start = time.perf_counter()
    if op == "copy":
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            while block := fi.read(BLOCK):
                fo.write(block)
    elif op == "aesgcm-raw":
        aead = AESGCM(b"k" * 32)
        counter = 0
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            while block := fi.read(BLOCK):
                fo.write(aead.encrypt(counter.to_bytes(12, "big"), block, None))
                counter += 1
    elif op == "encrypt":
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            envelope_encrypt(recipient=key.public_key, source=fi, sink=fo)
    elif op == "decrypt":
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            envelope_decrypt(private_key=key, source=fi, sink=fo)
    elif op == "check":
        check = EnvelopeStreamCheck(expected_key_id=key.key_id)
        with open(src, "rb") as fi:
            while block := fi.read(BLOCK):
                check.feed(block)
        check.finish()
    elif op != "idle":
        raise SystemExit(f"unknown op {op}")
    if op not in ("idle", "check"):
        with open(dst, "rb+") as fo:
            os.fsync(fo.fileno())  # count the write-back to disk, for every writer alike
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb}))


def _run(op: str, src: Path, dst: Path, keyfile: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", op, str(src), str(dst), str(keyfile)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def _drop(path: Path) -> None:
    if path.exists():
        path.unlink()


def _same_content(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while block := fa.read(BLOCK):
            if block != fb.read(len(block)):
                return False
    return True


def bench_sizes(sizes: list[int], workdir: Path) -> None:
    from bids.crypto import HybridPrivateKey

    keyfile = workdir / "key.hex"
    keyfile.write_text(HybridPrivateKey.generate().raw.hex())
    idle = _run("idle", keyfile, keyfile, keyfile)
    print(f"child process idle peak RSS: {idle['rss_mb']:.1f} MB (imports only)\n")
    header = (
        f"{'size':>8} {'operation':<12} {'seconds':>8} {'MB/s':>8} {'% of copy':>9} {'peak RSS':>9}"
    )
    print(header)
    print("-" * len(header))
    for size_mb in sizes:
        src = workdir / f"plain-{size_mb}.bin"
        with open(src, "wb") as fh:
            left = size_mb * MB
            while left:
                take = min(BLOCK, left)
                fh.write(os.urandom(take))
                left -= take
        env = workdir / f"env-{size_mb}.zbid"
        rows = [
            ("copy", src, workdir / "copy.bin"),
            ("aesgcm-raw", src, workdir / "raw.bin"),
            ("encrypt", src, env),
            ("check", env, env),
            ("decrypt", env, workdir / "dec.bin"),
        ]
        # Rounds interleave the operations, so a burst of other disk traffic hits all of them
        # alike; the best round of each operation is reported.
        best: dict[str, dict[str, float]] = {}
        for _ in range(3 if size_mb <= 100 else 2):
            for op, a, b in rows:
                result = _run(op, a, b, keyfile)
                if op not in best or result["seconds"] < best[op]["seconds"]:
                    best[op] = result
                if op in ("copy", "aesgcm-raw"):
                    _drop(b)
        copy_speed = size_mb / best["copy"]["seconds"]
        for op, _a, _b in rows:
            result = best[op]
            speed = size_mb / result["seconds"]
            print(
                f"{size_mb:>6}MB {op:<12} {result['seconds']:>8.3f} {speed:>8.0f} "
                f"{100 * speed / copy_speed:>8.0f}% {result['rss_mb']:>7.1f}MB"
            )
        if not _same_content(src, workdir / "dec.bin"):
            raise SystemExit("decrypted output differs from the input!")
        for path in (src, env, workdir / "dec.bin"):
            _drop(path)
        print()


def bench_opening(count: int) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from bids.crypto import HybridPrivateKey, envelope_decrypt, envelope_encrypt_bytes

    key = HybridPrivateKey.generate()
    payload = os.urandom(MB)
    # Each bid is a separate envelope (own KEM), but the payload bytes may repeat.
    envelopes = [
        envelope_encrypt_bytes(recipient=key.public_key, plaintext=payload) for _ in range(count)
    ]
    start = time.perf_counter()
    for envelope in envelopes:
        sink = io.BytesIO()
        envelope_decrypt(private_key=key, source=io.BytesIO(envelope), sink=sink)
    envelope_seconds = time.perf_counter() - start
    aead = AESGCM(b"k" * 32)
    sealed = aead.encrypt(b"\0" * 12, payload, None)
    start = time.perf_counter()
    for _ in range(count):
        aead.decrypt(b"\0" * 12, sealed, None)
    raw_seconds = time.perf_counter() - start
    print(
        f"opening {count} x 1 MB bids (in memory): envelope decrypt {envelope_seconds:.2f} s "
        f"(incl. SHA-256 of each ciphertext), raw AES-GCM over the same bytes {raw_seconds:.2f} s "
        f"(goal for the whole opening: < 30 s)"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,100,1000", help="MB, comma separated")
    parser.add_argument("--dir", help="work directory (default: temp dir under var/)")
    parser.add_argument("--opening", type=int, default=1000, help="bids for the opening test")
    args = parser.parse_args()
    base = Path(args.dir) if args.dir else REPO / "var"
    base.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-bids-crypto-", dir=base))
    try:
        bench_sizes([int(s) for s in args.sizes.split(",")], workdir)
        if args.opening:
            bench_opening(args.opening)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
