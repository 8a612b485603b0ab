"""The bundled third-party JavaScript is exactly what bids/static/bids/vendor/README.md records."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "bids" / "static" / "bids" / "vendor"


def test_vendored_files_match_recorded_hashes_and_carry_licences() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    recorded = dict(
        (name, digest)
        for digest, name in re.findall(r"^\s+([0-9a-f]{64})\s+(\S+\.js)$", readme, re.M)
    )
    shipped = sorted(p.name for p in VENDOR.glob("*.js"))
    assert sorted(recorded) == shipped
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    for package in ("post-quantum", "hashes", "curves"):
        licence = (VENDOR / f"LICENSE.noble-{package}").read_text(encoding="utf-8")
        assert "MIT License" in licence
        assert "Paul Miller" in licence


def test_our_scripts_load_vendor_files_only_by_relative_url() -> None:
    referenced = set()
    for script in ("envelope.js", "envelope-worker.js", "bid-upload.js", "committee.js"):
        source = (VENDOR.parent / script).read_text(encoding="utf-8")
        assert "https://" not in source, script  # no CDN at run time
        assert "http://" not in source, script
        referenced |= set(re.findall(r'"\./vendor/([\w.-]+\.js)"', source))
    assert referenced == {p.name for p in VENDOR.glob("*.js")}
