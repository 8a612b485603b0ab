"""Report renderings: JSON, KoSIT VARL, HTML."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from xrechnung.report import Finding, Report, reports_to_html, to_varl
from xrechnung.validate import validate

VARL = "{http://www.xoev.de/de/validator/varl/1}"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def test_varl_carries_steps_messages_and_svrl(ubl_xrechnung_path: Path) -> None:
    xml = ubl_xrechnung_path.read_bytes().replace(b"<cbc:BuyerReference>", b"<cbc:Note>", 1)
    xml = xml.replace(b"</cbc:BuyerReference>", b"</cbc:Note>", 1)
    report = validate(xml, skip_schema=True)
    root = etree.fromstring(to_varl(report).encode())
    assert root.get("valid") == "false"
    steps = root.findall(f"{VARL}scenarioMatched/{VARL}validationStepResult")
    names = [s.findtext(f"{VARL}resource/{VARL}name") for s in steps]
    assert names[-2:] == ["en16931-ubl", "xrechnung-ubl"]
    xr = steps[-1]
    assert xr.get("valid") == "false"
    codes = {m.get("code") for m in xr.findall(f"{VARL}message")}
    assert "BR-DE-15" in codes
    failed = xr.findall(f"{SVRL}schematron-output/{SVRL}failed-assert")
    assert {f.get("id") for f in failed} == codes
    assert root.find(f"{VARL}assessment/{VARL}reject/{VARL}explanation") is not None


def test_varl_without_scenario() -> None:
    report = validate(b"<html/>")
    root = etree.fromstring(to_varl(report).encode())
    assert root.find(f"{VARL}noScenarioMatched") is not None
    assert root.get("valid") == "false"


def test_html_escapes_document_content() -> None:
    report = Report(
        file="<b>x</b>.xml", syntax="ubl-invoice", scenario="en16931", specification=None
    )
    report.findings.append(
        Finding(id="BR-01", severity="fatal", message="<script>alert(1)</script>", location="/a")
    )
    page = reports_to_html([report])
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;.xml" in page


def test_counts_and_verdict_in_json() -> None:
    report = Report(file=None, syntax=None, scenario=None, specification=None)
    report.findings += [
        Finding(id="W", severity="warning", message="w"),
        Finding(id="I", severity="information", message="i"),
    ]
    data = json.loads(report.to_json())
    assert data["verdict"] == "accept"
    assert data["counts"] == {"fatal": 0, "error": 0, "warning": 1, "information": 1}
    report.findings.append(Finding(id="E", severity="error", message="e"))
    assert json.loads(report.to_json())["verdict"] == "reject"
