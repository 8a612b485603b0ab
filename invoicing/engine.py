"""The one place the invoicing app talks to the xrechnung engine (validation, parsing, writing).

Every call goes through here so that a missing engine part fails loudly with a clear message
instead of a confusing ``AttributeError`` deep inside a service.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from invoicing.errors import EngineUnavailableError, UnsupportedFormatError

XML = "application/xml"
PDF = "application/pdf"

# Factur-X / ZUGFeRD attachment names, as the engine and the standard know them.
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "ZUGFeRD-invoice.xml")


def sniff(head: bytes) -> str:
    """The content type as the bytes show it (never as the sender claims): XML or PDF.

    Raises ``UnsupportedFormatError`` for anything else.
    """
    data = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"<"):
        return XML
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return XML  # UTF-16 XML; the parser decides whether it is well-formed
    raise UnsupportedFormatError(
        _(
            "The file is neither XML nor PDF: invoices arrive as XRechnung/UBL/CII XML or as "
            "Factur-X/ZUGFeRD PDF."
        ),
        field="file",
    )


def _engine(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise EngineUnavailableError(
            f"xrechnung engine part {module}.{name} is not available ({exc}); "
            "the invoicing app needs it for this step."
        ) from exc


# -- extraction ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Extracted:
    """What intake needs to know about a document; ``error`` says why a field is missing."""

    syntax: str = ""
    specification_id: str = ""
    model: Any = None
    stated: Any = None
    error: str = ""
    values: dict[str, Any] = field(default_factory=dict)


def extract(data: bytes) -> Extracted:
    """Read the fields intake and matching need. Never raises for bad invoices: ``error`` says."""
    parse_invoice = _engine("xrechnung.parse", "parse_invoice")
    try:
        parsed = parse_invoice(data)
    except ValueError as exc:  # InvoiceParseError and malformed numbers/dates
        return Extracted(error=str(exc) or type(exc).__name__)
    except Exception as exc:
        return Extracted(error=f"{type(exc).__name__}: {exc}")
    return Extracted(
        syntax=parsed.syntax,
        specification_id=parsed.specification_id or "",
        model=parsed.invoice,
        stated=parsed.stated,
        values=_values(parsed.invoice, parsed.stated),
    )


def _values(inv: Any, stated: Any) -> dict[str, Any]:
    seller = inv.seller
    legal = seller.legal_registration
    payment = inv.payment
    return {
        "number": inv.number or "",
        "type_code": str(inv.type_code or ""),
        "issue_date": inv.issue_date,
        "due_date": inv.due_date,
        "currency": inv.currency or "",
        "seller_name": seller.name or "",
        "seller_vat_id": (seller.vat_id or "").replace(" ", "").upper(),
        "seller_legal_id": (legal.value if legal else "") or "",
        "seller_legal_scheme": (legal.scheme if legal else "") or "",
        "seller_country": seller.address.country_code or "",
        "seller_iban": ((payment.iban if payment else "") or "").replace(" ", "").upper(),
        "seller_bic": ((payment.bic if payment else "") or "").upper(),
        "seller_email": (seller.contact.email if seller.contact else "") or "",
        "buyer_name": inv.buyer.name or "",
        "buyer_reference": inv.buyer_reference or "",
        "order_reference": inv.order_reference or "",
        "contract_reference": inv.contract_reference or "",
        "preceding_number": inv.preceding_invoices[0].number if inv.preceding_invoices else "",
        "net_amount": stated.tax_exclusive,
        "tax_amount": stated.tax_total,
        "gross_amount": stated.tax_inclusive,
        "payable_amount": stated.payable,
        "kind": "credit_note" if inv.is_credit_note else "invoice",
    }


# -- validation ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Validation:
    verdict: str
    scenario: str
    errors: int
    warnings: int
    as_json: dict[str, Any]
    as_xml: str
    as_html: str

    @property
    def accepted(self) -> bool:
        return self.verdict == "accept"


def validate(data: bytes) -> Validation:
    """Run the official rules on ``data`` (XML or PDF) and return the report in three formats."""
    run = _engine("xrechnung", "validate")
    report = run(data)
    as_json = _report_json(report)
    findings = as_json.get("findings", [])
    errors = sum(1 for f in findings if str(f.get("severity", "")).lower() in {"error", "fatal"})
    warnings = sum(1 for f in findings if str(f.get("severity", "")).lower() == "warning")
    return Validation(
        verdict=str(as_json.get("verdict", "reject")),
        scenario=str(as_json.get("scenario") or ""),
        errors=errors,
        warnings=warnings,
        as_json=as_json,
        as_xml=_report_call(report, ("to_xml", "as_xml", "varl_xml", "to_varl")),
        as_html=_report_call(report, ("to_html", "as_html", "html")),
    )


def _report_json(report: Any) -> dict[str, Any]:
    for name in ("to_dict", "as_dict"):
        if hasattr(report, name):
            return json.loads(json.dumps(getattr(report, name)(), default=str))
    for name in ("to_json", "as_json"):
        if hasattr(report, name):
            value = getattr(report, name)()
            return json.loads(value) if isinstance(value, str | bytes) else value
    raise EngineUnavailableError("the engine's Report offers no JSON form (to_dict/to_json)")


def _report_call(report: Any, names: tuple[str, ...]) -> str:
    for name in names:
        value = getattr(report, name, None)
        if value is None:
            continue
        value = value() if callable(value) else value
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)
    raise EngineUnavailableError(f"the engine's Report offers none of {', '.join(names)}")


# -- generation and rendering -------------------------------------------------------------------


def generate(invoice: Any, *, fmt: str) -> tuple[bytes, str]:
    """Write the model as ``xrechnung-ubl``, ``xrechnung-cii`` or ``facturx`` (EN 16931 PDF)."""
    if fmt == "xrechnung-ubl":
        return _engine("xrechnung.generate", "to_ubl")(invoice), XML
    if fmt == "xrechnung-cii":
        return _engine("xrechnung.generate", "to_cii")(invoice), XML
    if fmt == "facturx":
        return _engine("xrechnung.generate.facturx", "to_facturx_pdf")(invoice), PDF
    raise UnsupportedFormatError(
        _("Unknown invoice format %(format)s.") % {"format": repr(fmt)}, field="format"
    )


def render_html(data: bytes, *, language: str) -> str:
    """A readable HTML page of the invoice in ``data`` (the engine's renderer, stated totals)."""
    parse_invoice = _engine("xrechnung.parse", "parse_invoice")
    renderer = _engine("xrechnung.render", "render_html")
    return str(renderer(parse_invoice(data), lang=language))


def money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
