"""Fixtures of the engine tests: paths into ../shared, corpus manifest, PDFs built on the fly.

Nothing here needs Django or a database; the engine never imports Django.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_path(*parts: str) -> Path:
    """A path under the shared read-only material (env ZUSCHLAG_SHARED, else <repo>/../shared)."""
    base = Path(os.environ.get("ZUSCHLAG_SHARED", REPO.parent / "shared"))
    path = base.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: the engine tests need the shared corpus; set ZUSCHLAG_SHARED "
            "to the folder holding corpus/ and kosit/"
        )
    return path


def load_manifest() -> dict[str, Any]:
    return json.loads(shared_path("corpus", "MANIFEST.json").read_text("utf-8"))


def corpus_file(*, scenario: str, syntax: str) -> Path:
    """The first corpus file of a scenario and syntax (all corpus files are valid)."""
    for entry in load_manifest()["files"]:
        if entry["scenario"] == scenario and entry["syntax"] == syntax:
            return shared_path("corpus", entry["file"])
    raise LookupError(f"no corpus file for {scenario}/{syntax}")


def blank_pdf(text: str = "Rechnung") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buf.getvalue()


def facturx_pdf(xml: bytes, *, level: str = "autodetect") -> bytes:
    """A PDF carrying ``xml`` as factur-x.xml with the XMP the factur-x package writes."""
    from facturx import generate_from_binary

    return bytes(generate_from_binary(blank_pdf(), xml, level=level, check_xsd=False))


def pdf_with_attachments(files: dict[str, bytes], *, password: str | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_pdf())))
    for name, content in files.items():
        writer.add_attachment(name, content)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="session")
def _empty_rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("no-user-rules")


@pytest.fixture(autouse=True)
def _isolated_rules_dir(monkeypatch: pytest.MonkeyPatch, _empty_rules_dir: Path) -> None:
    """Rule packs a developer installed under ~/.local/share must not change test verdicts."""
    monkeypatch.setenv("XRECHNUNG_RULES_DIR", str(_empty_rules_dir))


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    return load_manifest()


@pytest.fixture(scope="session")
def kosit_levels_file() -> Path:
    return shared_path("kosit", "scenario-levels.json")


@pytest.fixture(scope="session")
def cii_en16931_xml() -> bytes:
    return corpus_file(scenario="en16931", syntax="cii").read_bytes()


@pytest.fixture(scope="session")
def ubl_xrechnung_path() -> Path:
    return corpus_file(scenario="xrechnung", syntax="ubl-invoice")


@pytest.fixture(scope="session")
def cii_xrechnung_path() -> Path:
    return corpus_file(scenario="xrechnung", syntax="cii")
