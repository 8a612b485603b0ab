"""Byte encodings shared by every format here: base64url without padding and canonical JSON.

Canonical JSON is the RFC 8785 subset we need: objects with string keys sorted by code point,
strings and integers only (no floats, so no number formatting question), no whitespace, UTF-8.
The browser code (``envelope.js``) produces byte-identical output with ``JSON.stringify`` on
sorted keys for the same subset.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from .errors import KeyFormatError

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str, *, field: str, length: int | None = None) -> bytes:
    """Decode base64url (padding optional); raise KeyFormatError naming ``field`` on bad input."""
    if not isinstance(text, str):
        raise KeyFormatError(f"{field}: expected a base64url string")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"{field}: not valid base64url") from exc
    if length is not None and len(raw) != length:
        raise KeyFormatError(f"{field}: expected {length} bytes, got {len(raw)}")
    return raw


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        # Beyond 2^53 JavaScript would round the number and the browser's bytes would differ.
        if abs(value) > 2**53 - 1:
            raise ValueError(f"{path}: integer {value} too large for canonical JSON")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}")
        return
    raise ValueError(f"{path}: {type(value).__name__} is not allowed in canonical JSON")


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Serialise ``value`` deterministically (sorted keys, no spaces, UTF-8, no floats)."""
    _check(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def json_object(data: bytes | str, *, what: str, max_bytes: int = 1 << 20) -> dict[str, Any]:
    """Parse a JSON object of bounded size; raise KeyFormatError with ``what`` in the message."""
    if len(data) > max_bytes:
        raise KeyFormatError(f"{what}: larger than {max_bytes} bytes")
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFormatError(f"{what}: not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise KeyFormatError(f"{what}: expected a JSON object")
    return value


def expect(obj: Mapping[str, Any], key: str, kind: type, *, what: str) -> Any:
    """Return ``obj[key]`` if present and of ``kind``, else raise KeyFormatError."""
    if key not in obj:
        raise KeyFormatError(f"{what}: field {key!r} missing")
    value = obj[key]
    if kind is int and isinstance(value, bool):
        raise KeyFormatError(f"{what}: field {key!r} must be an integer")
    if not isinstance(value, kind):
        raise KeyFormatError(f"{what}: field {key!r} must be {kind.__name__}")
    return value
