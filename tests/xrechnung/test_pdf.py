"""Invoices embedded in PDFs: extraction, PDF/A-3 + XMP claims versus the XML profile."""

from __future__ import annotations

import pytest

from tests.xrechnung.conftest import corpus_file, facturx_pdf, pdf_with_attachments
from xrechnung import scenarios
from xrechnung.validate import validate


def test_facturx_en16931_pdf_is_validated_with_the_profile_rules(cii_en16931_xml: bytes) -> None:
    report = validate(facturx_pdf(cii_en16931_xml))
    assert report.verdict == "accept", report.to_json()
    assert report.syntax == "cii"
    assert report.scenario == "facturx-en16931"
    assert [p.role for p in report.rule_packs] == [
        "xsd-facturx-en16931",
        "en16931-cii",
        "facturx-en16931",
    ]
    pdf = report.pdf
    assert pdf is not None
    assert pdf.invoice_attachment == "factur-x.xml"
    assert (pdf.pdfa_part, pdf.pdfa_conformance) == ("3", "B")
    assert pdf.xmp_conformance_level == "EN 16931"
    assert pdf.xml_profile == "EN 16931"
    assert pdf.profile_matches is True
    assert report.to_dict()["pdf"]["xmp_document_file_name"] == "factur-x.xml"


def test_xmp_profile_claim_that_differs_from_the_xml_is_reported(cii_en16931_xml: bytes) -> None:
    # given a PDF whose XMP claims BASIC while the XML declares EN 16931
    pdf = facturx_pdf(cii_en16931_xml, level="basic")
    report = validate(pdf)
    assert report.pdf is not None
    assert report.pdf.xmp_conformance_level == "BASIC"
    assert report.pdf.profile_matches is False
    (mismatch,) = [f for f in report.findings if f.id == "PDF-XMP-PROFILE-MISMATCH"]
    assert mismatch.severity == "warning"
    assert "BASIC" in mismatch.message
    assert "EN 16931" in mismatch.message


def test_xrechnung_xml_in_a_pdf_runs_the_xrechnung_scenario() -> None:
    xml = corpus_file(scenario="xrechnung", syntax="cii").read_bytes()
    report = validate(pdf_with_attachments({"xrechnung.xml": xml}))
    assert report.scenario == "xrechnung"
    assert report.verdict == "accept"
    assert report.pdf is not None
    assert report.pdf.invoice_attachment == "xrechnung.xml"
    # a plain PDF claims no PDF/A: reported, but not a rejection
    assert "PDF-NOT-PDFA" in {f.id for f in report.findings if f.severity == "warning"}


def test_zugferd_file_name_is_found(cii_en16931_xml: bytes) -> None:
    report = validate(pdf_with_attachments({"ZUGFeRD-invoice.xml": cii_en16931_xml}))
    assert report.pdf is not None
    assert report.pdf.invoice_attachment == "ZUGFeRD-invoice.xml"
    assert report.syntax == "cii"


def test_errors_of_the_embedded_xml_reject_the_pdf(cii_en16931_xml: bytes) -> None:
    broken = cii_en16931_xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"", 1)
    assert broken != cii_en16931_xml
    pdf = pdf_with_attachments({"factur-x.xml": broken})
    report = validate(pdf)
    assert report.verdict == "reject"
    assert report.schema_valid is False  # the type code is mandatory in the schema too
    report = validate(pdf, skip_schema=True)
    assert report.verdict == "reject"
    assert report.scenario == "facturx-en16931"
    # CEN and Factur-X stylesheets both carry BR-04: it is reported once
    keys = [(f.id, f.location, f.message) for f in report.findings]
    assert len(keys) == len(set(keys))
    assert [f.id for f in report.findings].count("BR-04") == 1


@pytest.mark.parametrize(
    ("spec", "scenario"),
    [
        ("urn:factur-x.eu:1p0:minimum", "facturx-minimum"),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "facturx-extended"),
    ],
)
def test_facturx_profiles_from_pdf(cii_en16931_xml: bytes, spec: str, scenario: str) -> None:
    xml = cii_en16931_xml.replace(scenarios.EN16931_ID.encode(), spec.encode(), 1)
    report = validate(pdf_with_attachments({"factur-x.xml": xml}), skip_schema=True)
    assert report.scenario == scenario
    assert report.rule_packs[-1].role == scenario


def test_xml_mentioning_pdf_is_not_taken_for_a_pdf(cii_en16931_xml: bytes) -> None:
    from xrechnung.pdf import is_pdf

    xml = cii_en16931_xml.replace(b"?>", b"?><!-- %PDF-1.7 -->", 1)
    assert not is_pdf(xml)
    assert validate(xml).verdict == "accept"
    assert is_pdf(b"junk\n%PDF-1.7\n")
