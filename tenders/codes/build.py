"""Regenerate a shipped code list from an official file, offline: ``python -m tenders.codes.build``.

    python -m tenders.codes.build cpv  path/to/cpv.gc   --source "eForms SDK 1.13 codelists/cpv.gc"
    python -m tenders.codes.build nuts path/to/nuts.gc  --source "eForms SDK 1.13 codelists/nuts.gc"

Input: an OASIS genericode list (eForms SDK ``codelists/``), or a text/CSV file whose first
column holds the codes. The output records the source and its SHA-256 and is marked
``complete: yes``, which turns on membership checks; review the diff and the docs before
committing it.
"""

import argparse
import csv
import hashlib
import re
import sys
from pathlib import Path

from tenders.codes.cpv import CPV_PATTERN, cpv_check_digit
from tenders.codes.genericode import read_codes
from tenders.codes.nuts import NUTS_PATTERN

DATA = Path(__file__).parent / "data"
TITLES = {
    "cpv": ("cpv2008.txt", "CPV 2008 main vocabulary (Regulation (EC) No 213/2008)"),
    "nuts": ("nuts2024.txt", "NUTS 2024 (Commission Delegated Regulation (EU) 2023/2744)"),
}


def _read_any(path: Path) -> tuple[str, list[str]]:
    head = path.read_bytes()[:512].lstrip()
    if head.startswith(b"<?xml") or b"CodeList" in head:
        return read_codes(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle, delimiter=";" if ";" in handle.readline() else ",")
        handle.seek(0)
        return "", [row[0].strip() for row in rows if row and row[0].strip()]


def build(kind: str, source: Path, description: str) -> Path:
    filename, title = TITLES[kind]
    version, raw = _read_any(source)
    codes: list[str] = []
    rejected: list[str] = []
    for code in raw:
        if kind == "cpv":
            # eForms lists CPV without check digit; text sources may carry it.
            if re.fullmatch(r"\d{8}", code) or CPV_PATTERN.match(code):
                codes.append(code)
            else:
                rejected.append(code)
        elif NUTS_PATTERN.match(code):
            codes.append(code)
        else:
            rejected.append(code)
    if not codes:
        raise SystemExit(f"no {kind} codes found in {source}")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    lines = [
        f"# title: {title}",
        f"# source: {description or source.name}",
        f"# source-sha256: {digest}",
        f"# version: {version}",
        "# complete: yes",
        *sorted(set(codes)),
    ]
    target = DATA / filename
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if kind == "cpv":
        mismatched = [
            c for c in codes if CPV_PATTERN.match(c) and cpv_check_digit(c[:8]) != int(c[-1])
        ]
        sys.stderr.write(f"{len(mismatched)} listed check digits differ from the weighted rule\n")
    sys.stderr.write(f"wrote {len(set(codes))} codes to {target}; skipped {len(rejected)}\n")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(TITLES))
    parser.add_argument("source", type=Path)
    parser.add_argument("--source", dest="description", default="", help="provenance to record")
    args = parser.parse_args(argv)
    build(args.kind, args.source, args.description)


if __name__ == "__main__":
    main()
