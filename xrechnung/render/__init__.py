"""Readable HTML and PDF renderings of invoices, labelled in German, English or French."""

from __future__ import annotations

import sys
from pathlib import Path

from xrechnung.model import Invoice
from xrechnung.parse import InvoiceParseError, ParsedInvoice, parse_invoice
from xrechnung.render.html import render_html_view
from xrechnung.render.labels import LANGUAGES, check_language, label
from xrechnung.render.view import InvoiceView, build_view
from xrechnung.totals import Totals, compute_totals

__all__ = ["LANGUAGES", "render_cli", "render_html", "render_pdf"]

_SECTIONS = (
    "delivery",
    "lines",
    "allowances_charges",
    "vat_breakdown",
    "totals",
    "payment",
    "notes",
    "attachments",
    "page",
)


def _prepare(
    source: Invoice | ParsedInvoice, totals: Totals | None, lang: str
) -> tuple[InvoiceView, dict[str, str]]:
    check_language(lang)
    if isinstance(source, ParsedInvoice):
        invoice, totals = source.invoice, totals or source.stated
    else:
        invoice, totals = source, totals or compute_totals(source)
    labels = {key: label(key, lang) for key in _SECTIONS}
    return build_view(invoice, totals, lang=lang), labels


def render_html(
    source: Invoice | ParsedInvoice, *, lang: str = "de", totals: Totals | None = None
) -> str:
    """HTML page of an invoice; a parsed document is shown with its own stated totals."""
    view, labels = _prepare(source, totals, lang)
    return render_html_view(view, labels=labels)


def render_pdf(
    source: Invoice | ParsedInvoice, *, lang: str = "de", totals: Totals | None = None
) -> bytes:
    """PDF of an invoice (embedded fonts, sRGB OutputIntent); raises ``RenderError``."""
    from xrechnung.render.pdf import render_pdf_view

    view, labels = _prepare(source, totals, lang)
    return render_pdf_view(view, labels=labels, title=f"{view.title} {view.number}")


def render_cli(path: Path, *, pdf_out: Path | None, html_out: Path | None, lang: str) -> int:
    """``python -m xrechnung render``: 0 written, 2 usage or input error (message on stderr)."""
    if pdf_out is None and html_out is None:
        sys.stderr.write("render: give --pdf OUT and/or --html OUT\n")
        return 2
    if lang not in LANGUAGES:
        sys.stderr.write(f"render: language {lang!r} not supported ({', '.join(LANGUAGES)})\n")
        return 2
    try:
        parsed = parse_invoice(path)
    except (OSError, InvoiceParseError) as exc:
        sys.stderr.write(f"render: {path}: {exc}\n")
        return 2
    try:
        if html_out is not None:
            html_out.write_text(render_html(parsed, lang=lang), encoding="utf-8")
        if pdf_out is not None:
            pdf_out.write_bytes(render_pdf(parsed, lang=lang))
    except (OSError, ValueError, RuntimeError) as exc:
        sys.stderr.write(f"render: {path}: {exc}\n")
        return 2
    return 0
