"""SVRL from different Schematron compilers is normalised in one place."""

from __future__ import annotations

import pytest

from xrechnung.schematron import normalise_location, normalise_severity, parse_svrl

SVRL = 'xmlns:svrl="http://purl.oclc.org/dsdl/svrl"'
INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (None, "error"),
        ("", "error"),
        ("fatal", "fatal"),
        ("error", "error"),
        ("warning", "warning"),
        ("WARNING", "warning"),
        ("information", "information"),
        ("info", "information"),
        ("something-odd", "error"),
    ],
)
def test_missing_or_unknown_flag_is_an_error(flag: str | None, expected: str) -> None:
    assert normalise_severity(flag) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # SchXslt / Saxon path(): EQNames
        (
            "/Q{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice[1]"
            "/Q{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
            "InvoiceLine[2]/Q{urn:oasis:names:specification:ubl:schema:xsd:"
            "CommonBasicComponents-2}ID[1]",
            "/ubl:Invoice[1]/cac:InvoiceLine[2]/cbc:ID[1]",
        ),
        # ISO skeleton: *:name[namespace-uri()='...']
        (
            "/*:CrossIndustryInvoice[namespace-uri()='urn:un:unece:uncefact:data:standard:"
            "CrossIndustryInvoice:100'][1]/*:ExchangedDocument[namespace-uri()='urn:un:unece:"
            "uncefact:data:standard:CrossIndustryInvoice:100'][1]/@*[local-name()='format' and "
            "namespace-uri()='']",
            "/rsm:CrossIndustryInvoice[1]/rsm:ExchangedDocument[1]/@format",
        ),
        ("/ubl:Invoice[1]", "/ubl:Invoice[1]"),
        ("/Q{urn:other}X[1]", "/Q{urn:other}X[1]"),
    ],
)
def test_location_syntax_is_unified(raw: str, expected: str) -> None:
    assert normalise_location(raw) == expected


def test_parse_failed_asserts_reports_and_contexts() -> None:
    svrl = f"""<svrl:schematron-output {SVRL}>
      <svrl:fired-rule context="cac:InvoiceLine"/>
      <svrl:failed-assert id="BR-21" flag="fatal" test="cbc:ID"
        location="/Q{{{INVOICE}}}Invoice[1]">
        <svrl:text>[BR-21]-Each Invoice line (BG-25)
           shall have an Invoice line identifier (BT-126).</svrl:text>
      </svrl:failed-assert>
      <svrl:fired-rule context="/ubl:Invoice"/>
      <svrl:successful-report id="XR-REPORT" flag="warning" location="/ubl:Invoice[1]" test="x">
        <svrl:text>reported</svrl:text>
      </svrl:successful-report>
      <svrl:failed-assert location="/ubl:Invoice[1]" test="y">
        <svrl:text>[BR-45]-Each VAT breakdown shall have an amount.</svrl:text>
      </svrl:failed-assert>
      <svrl:failed-assert id="X-INFO" flag="information" location="/ubl:Invoice[1]" test="z">
        <svrl:text>note</svrl:text>
      </svrl:failed-assert>
    </svrl:schematron-output>"""
    findings = parse_svrl(svrl)
    assert [(f.id, f.severity, f.kind) for f in findings] == [
        ("BR-21", "fatal", "assert"),
        ("XR-REPORT", "warning", "report"),
        ("BR-45", "error", "assert"),  # no id attribute: taken from the text; no flag: error
        ("X-INFO", "information", "assert"),
    ]
    first = findings[0]
    assert first.message == (
        "[BR-21]-Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126)."
    )
    assert first.location == "/ubl:Invoice[1]"
    assert first.context == "cac:InvoiceLine"
    assert findings[1].context == "/ubl:Invoice"


def test_finding_free_output_is_empty() -> None:
    svrl = f'<svrl:schematron-output {SVRL}><svrl:fired-rule context="x"/></svrl:schematron-output>'
    assert parse_svrl(svrl) == []


def test_factur_x_skeleton_output_without_flags_rejects(cii_en16931_xml: bytes) -> None:
    """The Factur-X (ISO skeleton) stylesheets give no flag on most asserts: errors."""
    from xrechnung.validate import validate

    xml = cii_en16931_xml.replace(b"urn:cen.eu:en16931:2017", b"urn:factur-x.eu:1p0:basicwl", 1)
    broken = xml.replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>999</ram:TypeCode>", 1
    )
    report = validate(broken, skip_schema=True)
    assert report.scenario == "facturx-basicwl"
    fx = [f for f in report.findings if f.source == "facturx-basicwl"]
    assert fx, report.to_json()
    assert {f.severity for f in fx} <= {"error", "fatal", "warning"}
    assert report.verdict == "reject"
    assert all(f.location.startswith("/rsm:CrossIndustryInvoice") for f in fx if f.location)


@pytest.mark.parametrize(
    ("role", "fragment"),
    [
        ("en16931-ubl", "ubl"),
        ("xrechnung-ubl", "ubl"),
        ("en16931-cii", "cii"),
        ("xrechnung-cii", "cii"),
        ("facturx-en16931", "cii"),
        ("facturx-extended", "cii"),
        ("br-fr-cii", "cii"),
    ],
)
def test_quick_svrl_reading_equals_the_full_parse(role: str, fragment: str) -> None:
    """Only finding elements are parsed on the fast path; it must give the same findings."""
    from xrechnung import rulepacks, schematron

    docs = {
        "ubl": (
            '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
            'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
            'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
            "<cbc:ID>a b</cbc:ID><cac:InvoiceLine><cbc:ID/></cac:InvoiceLine>"
            "<cac:InvoiceLine><cbc:Note>&lt;&amp;&quot;</cbc:Note></cac:InvoiceLine></Invoice>"
        ),
        "cii": (
            '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
            'CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:'
            'ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocument>'
            "<ram:ID>x y</ram:ID><ram:TypeCode>1</ram:TypeCode></rsm:ExchangedDocument>"
            "<rsm:SupplyChainTradeTransaction><ram:IncludedSupplyChainTradeLineItem/>"
            "<ram:IncludedSupplyChainTradeLineItem/></rsm:SupplyChainTradeTransaction>"
            "</rsm:CrossIndustryInvoice>"
        ),
    }
    path = rulepacks.pack_for(role).path(role)
    svrl = schematron.transform(path, schematron.parse_document(docs[fragment]))
    full = schematron._parse_svrl_full(svrl)
    quick = schematron._parse_svrl_findings_only(svrl)
    assert len(full) > 2
    assert quick == full
    assert schematron.parse_svrl(svrl) == full


def test_saxon_state_is_not_reused_after_a_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child forked after Saxon was used must not touch the inherited processor."""
    from xrechnung import schematron

    schematron.parse_document("<a/>")  # the processor exists in this process
    real_pid = schematron.os.getpid()
    monkeypatch.setattr(schematron.os, "getpid", lambda: real_pid + 1)
    with pytest.raises(schematron.SchematronError, match="before fork"):
        schematron.parse_document("<a/>")


def test_each_stylesheet_is_compiled_once() -> None:
    from xrechnung import rulepacks, schematron

    path = rulepacks.pack_for("xrechnung-cii").path("xrechnung-cii")
    first = schematron.compiled(path)
    assert schematron.compiled(path) is first
    assert str(path) in schematron._executables
