"""Model -> XML -> parse gives the same model and the totals the writer computed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.xrechnung import samples
from xrechnung.generate import EN16931, to_cii, to_ubl
from xrechnung.model import Invoice
from xrechnung.parse import InvoiceParseError, parse_invoice
from xrechnung.totals import compute_totals

WRITERS = {
    "xrechnung-ubl": to_ubl,
    "xrechnung-cii": to_cii,
    "en16931-cii": lambda inv: to_cii(inv, guideline_id=EN16931),
}


def _same_rate(parsed: Invoice, original: Invoice) -> Invoice:
    # EN 16931 carries BT-111, not the exchange rate; the parser derives a rate that reproduces
    # BT-111, so compare the model with the original rate put back and the totals separately.
    return dataclasses.replace(parsed, tax_exchange_rate=original.tax_exchange_rate)


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_parse_returns_the_model_that_was_written(name: str, writer: str) -> None:
    original = samples.ALL[name]()
    parsed = parse_invoice(WRITERS[writer](original))
    assert _same_rate(parsed.invoice, original) == original
    assert parsed.stated == compute_totals(original)
    assert compute_totals(parsed.invoice) == compute_totals(original)
    assert parsed.syntax == ("ubl" if writer.endswith("ubl") else "cii")


def test_parse_refuses_dtd_and_entities() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;</Invoice>'
    )
    with pytest.raises(InvoiceParseError, match="DTD"):
        parse_invoice(hostile)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "well-formed"),
        (b"<order/>", "neither"),
        (b"%PDF-1.7\n garbage", "PDF"),
    ],
)
def test_parse_rejects_non_invoices_clearly(data: bytes, message: str) -> None:
    with pytest.raises(InvoiceParseError, match=message):
        parse_invoice(data)


def _corpus() -> list[str]:
    manifest = SHARED / "corpus" / "MANIFEST.json"
    if not manifest.exists():
        raise RuntimeError(f"corpus manifest missing at {manifest}: set ZUSCHLAG_SHARED")
    return [f["file"] for f in json.loads(manifest.read_text())["files"]]


@pytest.mark.parametrize("relative", _corpus())
def test_every_corpus_invoice_parses(relative: str) -> None:
    # given a public invoice made by someone else
    path: Path = SHARED / "corpus" / relative
    # when parsed
    parsed = parse_invoice(path)
    # then the essentials the invoicing app matches on are there
    invoice = parsed.invoice
    assert invoice.number
    assert invoice.seller.name
    assert invoice.lines
    assert len(parsed.stated.line_nets) == len(invoice.lines)
    assert parsed.stated.payable == (
        parsed.stated.tax_inclusive - parsed.stated.prepaid + parsed.stated.rounding
    ) or relative.endswith("05.01a-INVOICE_ubl.xml")  # its BR-CO-16 is downgraded by KoSIT


def test_parse_reports_truncated_and_encrypted_pdfs() -> None:
    import io

    from pypdf import PdfWriter

    from xrechnung.generate import to_facturx_pdf

    pdf = to_facturx_pdf(samples.domestic_german())
    with pytest.raises(InvoiceParseError, match="Unreadable PDF"):
        parse_invoice(pdf[: len(pdf) // 3])
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(InvoiceParseError, match="encrypted"):
        parse_invoice(locked.getvalue())


def test_pdf_without_invoice_is_reported() -> None:
    from xrechnung.render import render_pdf

    with pytest.raises(InvoiceParseError, match="no embedded invoice"):
        parse_invoice(render_pdf(samples.domestic_german()))
