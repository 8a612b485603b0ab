"""Every public test invoice of the manifest gets the reference verdict and error set."""

from __future__ import annotations

import pytest

from tests.xrechnung.conftest import load_manifest, shared_path
from xrechnung.validate import validate

ENTRIES = load_manifest()["files"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_file_gets_reference_verdict_and_errors(entry: dict) -> None:
    # given a public test invoice with its reference result
    path = shared_path("corpus", entry["file"])

    # when it is validated
    report = validate(path)

    # then verdict, the SET of error ids, syntax and scenario equal the reference
    assert report.verdict == entry["expected_verdict"], report.to_json()
    assert report.error_ids() == set(entry["expected_errors"]), report.to_json()
    assert report.syntax == entry["syntax"]
    assert report.scenario == entry["scenario"]
    assert report.schema_checked
    assert report.schema_valid
    warnings = {f.id for f in report.findings if f.severity == "warning"}
    assert set(entry["expected_warnings"]) <= warnings
    if entry["scenario"] == "en16931-fallback":
        (note,) = [f for f in report.findings if f.id == "UNKNOWN-SPECIFICATION"]
        assert entry["specification"] in note.message
        assert note.business_terms == ("BT-24",)
