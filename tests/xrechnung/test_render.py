"""HTML and PDF renderings of generated and public invoices in German, English and French."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from tests.conftest import SHARED
from tests.xrechnung import samples
from xrechnung.parse import parse_invoice
from xrechnung.render import render_cli, render_html, render_pdf
from xrechnung.render.labels import format_amount, format_number, format_price
from xrechnung.totals import compute_totals

CORPUS = [
    "xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml",
    "xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_uncefact.xml",
    "xrechnung-testsuite/src/test/business-cases/standard/02.02a-INVOICE_ubl.xml",
    "en16931-examples/ubl/examples/ubl-tc434-creditnote1.xml",
    "en16931-examples/cii/examples/CII_example5.xml",
    "en16931-examples/ubl/examples/ubl-tc434-example10.xml",
]
TOTAL_LABEL = {"de": "Zahlbetrag", "en": "Amount due", "fr": "Net à payer"}
VAT_LABEL = {
    "de": "Umsatzsteueraufschlüsselung",
    "en": "VAT breakdown",
    "fr": "Ventilation de la TVA",
}


def _corpus(relative: str) -> Path:
    path = SHARED / "corpus" / relative
    if not path.exists():
        raise RuntimeError(f"corpus file missing: {path} (set ZUSCHLAG_SHARED)")
    return path


def _pdf_text(pdf: bytes) -> str:
    # Text extraction turns the no-break spaces of French number grouping into plain spaces.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\xa0", " ")


def _plain(text: str) -> str:
    return text.replace("\xa0", " ")


def test_number_formats_per_language() -> None:
    from decimal import Decimal as D

    assert format_number(D("1234567.5"), "de") == "1.234.567,50"
    assert format_number(D("1234567.5"), "en") == "1,234,567.50"
    assert format_number(D("-1234.5"), "fr") == "-1\u00a0234,50"
    assert format_number(D("0.1973"), "de", places=None) == "0,1973"
    assert format_amount(D("12"), "EUR", "en") == "EUR 12.00"
    assert format_amount(D("12"), "EUR", "de") == "12,00 EUR"
    assert format_price(D("84.30"), "de") == "84,30"
    assert format_price(D("4.555"), "en") == "4.555"
    assert format_price(D("100"), "fr") == "100,00"


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
@pytest.mark.parametrize("relative", CORPUS)
def test_corpus_invoice_renders_with_its_stated_totals(relative: str, lang: str) -> None:
    # given a public invoice
    parsed = parse_invoice(_corpus(relative))
    due = format_amount(parsed.stated.payable, parsed.invoice.currency, lang)
    net = format_amount(parsed.stated.tax_exclusive, parsed.invoice.currency, lang)
    # when rendered as HTML
    page = render_html(parsed, lang=lang)
    text = lxml_html.fromstring(page).text_content()
    # then the labels of that language and the document's own amounts appear
    assert TOTAL_LABEL[lang] in text
    assert VAT_LABEL[lang] in text
    assert due in text
    assert net in text
    assert parsed.invoice.number in text
    assert parsed.invoice.seller.name in text
    assert parsed.invoice.buyer.name in text
    for line in parsed.invoice.lines:
        assert line.name in text
    # and as PDF, whose extracted text carries the same facts
    pdf_text = _pdf_text(render_pdf(parsed, lang=lang))
    assert TOTAL_LABEL[lang] in pdf_text
    assert _plain(due) in pdf_text
    assert parsed.invoice.number in pdf_text


def _all_corpus() -> list[str]:
    import json

    manifest = SHARED / "corpus" / "MANIFEST.json"
    if not manifest.exists():
        raise RuntimeError(f"corpus manifest missing at {manifest} (set ZUSCHLAG_SHARED)")
    return [f["file"] for f in json.loads(manifest.read_text())["files"]]


@pytest.mark.parametrize("relative", _all_corpus())
def test_every_corpus_invoice_renders_as_html(relative: str) -> None:
    parsed = parse_invoice(_corpus(relative))
    text = lxml_html.fromstring(render_html(parsed, lang="en")).text_content()
    assert format_amount(parsed.stated.payable, parsed.invoice.currency, "en") in text
    assert parsed.invoice.number in text


def test_html_escapes_document_content() -> None:
    invoice = samples.domestic_german()
    invoice.lines[0].name = '<script>alert("x")</script>'
    page = render_html(invoice, lang="en")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_generated_model_shows_vat_breakdown_and_payment() -> None:
    invoice = samples.french_to_german_reverse_charge()
    text = lxml_html.fromstring(render_html(invoice, lang="de")).text_content()
    assert "Umkehrung der Steuerschuldnerschaft" in text
    assert "VATEX-EU-AE" in text
    assert "FR7630006000011234567890189" in text
    assert "SIRET" in text
    assert format_amount(compute_totals(invoice).payable, "EUR", "de") in text


def test_mixed_currency_shows_vat_in_accounting_currency() -> None:
    invoice = samples.mixed_currency()
    totals = compute_totals(invoice)
    assert totals.tax_total_accounting is not None
    text = _pdf_text(render_pdf(invoice, lang="en"))
    assert _plain(format_amount(totals.tax_total_accounting, "EUR", "en")) in text
    assert _plain(format_amount(totals.payable, "CHF", "en")) in text


def test_render_cli_writes_both_outputs(tmp_path: Path) -> None:
    pdf_out, html_out = tmp_path / "out.pdf", tmp_path / "out.html"
    source = _corpus(CORPUS[1])
    assert render_cli(source, pdf_out=pdf_out, html_out=html_out, lang="fr") == 0
    assert pdf_out.read_bytes().startswith(b"%PDF-")
    assert "Net à payer" in html_out.read_text(encoding="utf-8")


def test_render_cli_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<nope")
    out = tmp_path / "x.pdf"
    assert render_cli(bad, pdf_out=out, html_out=None, lang="de") == 2
    assert "well-formed" in capsys.readouterr().err
    assert not out.exists()
    assert render_cli(bad, pdf_out=None, html_out=None, lang="de") == 2
    assert render_cli(bad, pdf_out=out, html_out=None, lang="it") == 2


def test_long_invoice_keeps_every_line_across_pages() -> None:
    from decimal import Decimal as D

    from xrechnung.model import Line, VatCategory

    # given an invoice longer than one page (the PDF lines table is laid out in chunks)
    invoice = samples.domestic_german()
    invoice.allowances_charges = []
    invoice.lines = [
        Line(
            id=str(i),
            name=f"Position {i}",
            quantity=D("2"),
            unit_code="C62",
            unit_price=D("10.50"),
            vat_category=VatCategory.STANDARD,
            vat_rate=D("19"),
        )
        for i in range(1, 131)
    ]
    # when rendered
    pdf = render_pdf(invoice, lang="en")
    reader = PdfReader(io.BytesIO(pdf))
    text = _pdf_text(pdf)
    # then it spans several pages, and every line and the total are there
    assert len(reader.pages) > 2
    for i in (1, 40, 41, 80, 130):
        assert f"Position {i}\n" in text or text.endswith(f"Position {i}")
    assert _plain(format_amount(compute_totals(invoice).payable, "EUR", "en")) in text


def test_procurement_references_and_attachments_are_shown() -> None:
    invoice = samples.domestic_german()
    text = lxml_html.fromstring(render_html(invoice, lang="de")).text_content()
    for expected in (
        "VG-2026-17-LOS-1",
        "KST-4711",
        "LS-2026-881",
        "WE-2026-193",
        "stundennachweis.pdf",
        "https://example.org/aufmass/7",
        "GTIN 4012345000009",
        "STI 45000000",
    ):
        assert expected in text
    pdf_text = _pdf_text(render_pdf(invoice, lang="fr"))
    assert "Référence du marché / lot" in pdf_text
    assert "stundennachweis.pdf" in pdf_text


def test_payee_and_tax_representative_are_shown() -> None:
    invoice = samples.swiss_seller_with_representative()
    text = lxml_html.fromstring(render_html(invoice, lang="de")).text_content()
    assert "Steuerlicher Vertreter" in text
    assert "DE811569869" in text
    assert "Zahlungsempfänger" in text
    assert "Factoring Bank AG (GLN 4000001000005, HRB 9876)" in text


def test_render_cli_reads_a_facturx_pdf(tmp_path: Path) -> None:
    from xrechnung.generate import to_facturx_pdf

    source = tmp_path / "facture.pdf"
    source.write_bytes(to_facturx_pdf(samples.french_to_german_intra_community(), lang="fr"))
    html_out = tmp_path / "facture.html"
    assert render_cli(source, pdf_out=None, html_out=html_out, lang="en") == 0
    text = lxml_html.fromstring(html_out.read_text(encoding="utf-8")).text_content()
    assert "Intra-community supply" in text
    assert "Ateliers Dupont SAS" in text
