"""The Python API: xrechnung.validate(data) -> Report, cheap import, no Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import xrechnung
from tests.xrechnung.conftest import REPO


def test_engine_is_django_free() -> None:
    probe = "import sys, xrechnung.validate; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)


def test_validating_loads_no_django(ubl_xrechnung_path: Path) -> None:
    probe = (
        "import sys, xrechnung\n"
        f"r = xrechnung.validate({str(ubl_xrechnung_path)!r}.encode() and "
        f"__import__('pathlib').Path({str(ubl_xrechnung_path)!r}))\n"
        "assert r.verdict == 'accept'\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)


def test_import_xrechnung_is_cheap() -> None:
    probe = (
        "import sys, xrechnung\n"
        "heavy = {'saxonche', 'lxml', 'pypdf', 'reportlab', 'xrechnung.validate'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)


def test_validate_takes_bytes_text_and_paths(ubl_xrechnung_path: Path) -> None:
    data = ubl_xrechnung_path.read_bytes()
    by_path = xrechnung.validate(ubl_xrechnung_path)
    by_bytes = xrechnung.validate(data)
    by_text = xrechnung.validate(data.decode("utf-8"))
    by_path_text = xrechnung.validate(str(ubl_xrechnung_path))
    for report in (by_path, by_bytes, by_text, by_path_text):
        assert isinstance(report, xrechnung.Report)
        assert (report.verdict, report.syntax, report.scenario) == (
            "accept",
            "ubl-invoice",
            "xrechnung",
        )
    assert by_path.file == str(ubl_xrechnung_path)
    assert by_bytes.sha256 == by_path.sha256


def test_module_and_function_are_both_callable(ubl_xrechnung_path: Path) -> None:
    import xrechnung.validate as module

    assert module(ubl_xrechnung_path).accepted
    assert xrechnung.validate(ubl_xrechnung_path).accepted


def test_report_json_shape(ubl_xrechnung_path: Path) -> None:
    report = xrechnung.validate(ubl_xrechnung_path)
    data = json.loads(report.to_json())
    assert {"file", "verdict", "syntax", "scenario", "findings", "rule_packs"} <= set(data)
    assert [p["name"] for p in data["rule_packs"]] == [
        "xsd-ubl-2.1",
        "cen-en16931",
        "kosit-xrechnung",
    ]
    assert all(len(p["sha256"]) == 64 for p in data["rule_packs"])


def test_warnings_do_not_reject(cii_xrechnung_path: Path) -> None:
    from tests.xrechnung.conftest import load_manifest, shared_path

    with_warning = next(
        e for e in load_manifest()["files"] if "CII-SR-475" in e["expected_warnings"]
    )
    report = xrechnung.validate(shared_path("corpus", with_warning["file"]))
    assert [f.severity for f in report.findings if f.id == "CII-SR-475"] == ["warning"]
    assert report.verdict == "accept"


def test_text_and_bytes_in_other_encodings(ubl_xrechnung_path: Path) -> None:
    text = ubl_xrechnung_path.read_text("utf-8").replace(
        'encoding="UTF-8"', 'encoding="ISO-8859-1"'
    )
    assert text.startswith('<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert xrechnung.validate(text).verdict == "accept"  # already-decoded text
    assert xrechnung.validate(text.encode("latin-1", errors="replace")).verdict == "accept"
    utf16 = text.replace('encoding="ISO-8859-1"', 'encoding="UTF-16"').encode("utf-16")
    assert xrechnung.validate(utf16).verdict == "accept"
