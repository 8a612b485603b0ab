"""Shamir secret sharing over GF(2^8) (AES polynomial x^8+x^4+x^3+x+1), byte by byte.

Plain Shamir has no integrity: a wrong share silently gives a wrong secret. It is only used
here to split a random key-encryption key whose use is authenticated (AES-GCM in opening.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        # multiply by the generator 3: x*2 (xtime) xor x
        x2 = (x << 1) ^ (0x11B if x & 0x80 else 0)
        x = x2 ^ x
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _tables()


def gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def gf_div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(256)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def split(secret: bytes, *, threshold: int, shares: int) -> dict[int, bytes]:
    """Split ``secret`` into ``shares`` values at x = 1..shares, any ``threshold`` rebuild it."""
    if not 2 <= threshold <= shares <= 255:
        raise ValueError("need 2 <= threshold <= shares <= 255")
    out = {x: bytearray(len(secret)) for x in range(1, shares + 1)}
    for pos, byte in enumerate(secret):
        coeffs = [byte] + [secrets.randbelow(256) for _ in range(threshold - 1)]
        for x in out:
            # Horner's rule from the highest coefficient down.
            acc = 0
            for c in reversed(coeffs):
                acc = gf_mul(acc, x) ^ c
            out[x][pos] = acc
    return {x: bytes(v) for x, v in out.items()}


def interpolate(points: Mapping[int, bytes], *, at: int = 0) -> bytes:
    """Lagrange-interpolate each byte position of ``points`` (x -> value) at ``at``."""
    xs = list(points)
    if len(set(xs)) != len(xs) or any(not 1 <= x <= 255 for x in xs):
        raise ValueError("share indices must be distinct and in 1..255")
    lengths = {len(v) for v in points.values()}
    if len(lengths) != 1:
        raise ValueError("shares have different lengths")
    weights = []
    for xi in xs:
        num = den = 1
        for xj in xs:
            if xj != xi:
                num = gf_mul(num, at ^ xj)
                den = gf_mul(den, xi ^ xj)
        weights.append(gf_div(num, den))
    length = lengths.pop()
    result = bytearray(length)
    for w, xi in zip(weights, xs, strict=True):
        value = points[xi]
        for pos in range(length):
            result[pos] ^= gf_mul(w, value[pos])
    return bytes(result)


def combine(points: Mapping[int, bytes]) -> bytes:
    """Rebuild the secret from at least ``threshold`` points (fewer give a wrong value)."""
    return interpolate(points, at=0)
