"""What a parser returns: the model plus what the document itself states."""

from __future__ import annotations

from dataclasses import dataclass

from xrechnung.model import Invoice, VatCategory
from xrechnung.parse._xml import InvoiceParseError
from xrechnung.totals import Totals


@dataclass(frozen=True, kw_only=True)
class ParsedInvoice:
    """``invoice`` is the model; ``stated`` holds the totals and VAT breakdown as the document
    gives them (they may differ from ``compute_totals(invoice)`` for documents made elsewhere)."""

    invoice: Invoice
    stated: Totals
    syntax: str  # "ubl" or "cii"
    specification_id: str | None  # BT-24


def category(code: str | None, where: str) -> VatCategory:
    try:
        return VatCategory((code or "").strip())
    except ValueError as exc:
        raise InvoiceParseError(f"{where}: {code!r} is not an EN 16931 VAT category") from exc
