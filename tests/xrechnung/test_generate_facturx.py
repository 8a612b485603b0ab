"""Factur-X / ZUGFeRD PDF/A-3 generation (EN 16931 profile)."""

from __future__ import annotations

import io
import re

import facturx
import pytest
from pypdf import PdfReader

from tests.xrechnung import samples
from tests.xrechnung.rulecheck import check, errors
from xrechnung.generate import to_facturx_pdf
from xrechnung.parse import parse_invoice, xml_from_pdf
from xrechnung.totals import compute_totals

CASES = ["domestic_german", "french_to_german_intra_community", "german_to_french_public",
         "mixed_currency", "credit_note"]  # fmt: skip


@pytest.fixture(scope="module", params=CASES)
def generated(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, to_facturx_pdf(samples.ALL[request.param](), lang="fr")


def test_embedded_xml_passes_profile_xsd_and_rules(generated: tuple[str, bytes]) -> None:
    name, pdf = generated
    xml = xml_from_pdf(pdf)
    # the factur-x package's own XSD check for the EN16931 profile
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    findings = check(xml, scenario="facturx-en16931", xsd="facturx-en16931")
    assert errors(findings) == []
    assert findings == [] or samples.ALL[name]().delivery is None


def test_pdf_is_a_pdfa3_container(generated: tuple[str, bytes]) -> None:
    _, pdf = generated
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    # sRGB OutputIntent with an embedded 3-component ICC profile
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3
    # every font is an embedded TrueType subset: no base-14 font referenced
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "+" in font["/BaseFont"], font["/BaseFont"]
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
    # XMP claims PDF/A-3B and the Factur-X EN 16931 profile; the XML is attached as Data
    xmp = root["/Metadata"].get_object().get_data()
    assert re.search(rb"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(rb"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert re.search(rb"ConformanceLevel>EN 16931<", xmp)
    assert list(reader.attachments) == ["factur-x.xml"]
    # the information dictionary agrees with the XMP (PDF/A-3 6.6.2.3.1), the metadata stream is
    # unfiltered, the file has an ID and a 1.7 header
    assert "/Filter" not in root["/Metadata"].get_object()
    info = reader.metadata
    assert info is not None
    producer = re.search(rb"<pdf:Producer>([^<]*)</pdf:Producer>", xmp)
    assert producer is not None
    assert info["/Producer"] == producer.group(1).decode()
    assert "/Keywords" not in info
    assert "/Trapped" not in info
    assert re.search(rf"<rdf:li xml:lang=\"x-default\">{re.escape(info['/Title'])}<".encode(), xmp)
    assert reader.trailer.get("/ID") is not None
    assert pdf.startswith(b"%PDF-1.7\n")
    filespec = root["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data"


def test_pdf_round_trips_to_the_model(generated: tuple[str, bytes]) -> None:
    name, pdf = generated
    original = samples.ALL[name]()
    parsed = parse_invoice(pdf)
    parsed.invoice.tax_exchange_rate = original.tax_exchange_rate
    assert parsed.invoice == original
    assert parsed.stated == compute_totals(original)


def test_page_shows_the_amount_due(generated: tuple[str, bytes]) -> None:
    name, pdf = generated
    totals = compute_totals(samples.ALL[name]())
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    due = f"{totals.payable:f}".replace(".", ",")
    integer, fraction = due.split(",")
    grouped = f"{int(integer):,}".replace(",", " ")  # extraction yields no-break spaces as spaces
    assert f"{grouped},{fraction}" in text
    assert "Net à payer" in text
