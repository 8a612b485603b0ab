"""Read UBL 2.1 and UN/CEFACT CII invoices (XML, or the XML embedded in a Factur-X PDF)."""

from __future__ import annotations

from pathlib import Path

from xrechnung.parse._xml import MAX_BYTES, InvoiceParseError, load_xml
from xrechnung.parse.cii import parse_cii
from xrechnung.parse.result import ParsedInvoice
from xrechnung.parse.ubl import parse_ubl

UBL_NAMESPACES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CII_NAMESPACE = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"

__all__ = ["InvoiceParseError", "ParsedInvoice", "parse_invoice", "xml_from_pdf"]


def xml_from_pdf(pdf: bytes) -> bytes:
    """The invoice XML embedded in a Factur-X/ZUGFeRD/XRechnung PDF, or ``InvoiceParseError``."""
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf))
        encrypted = reader.is_encrypted
        attachments = {} if encrypted else reader.attachments
    except Exception as exc:  # pypdf raises a zoo of types (PdfReadError, KeyError, …) on junk
        raise InvoiceParseError(f"Unreadable PDF: {type(exc).__name__}: {exc}") from exc
    if encrypted:
        raise InvoiceParseError("PDF is encrypted; its embedded invoice cannot be read")
    for name in ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "ZUGFeRD-invoice.xml"):
        if name in attachments:
            return attachments[name][0]
    xml_names = [n for n in attachments if n.lower().endswith(".xml")]
    if len(xml_names) == 1:
        return attachments[xml_names[0]][0]
    raise InvoiceParseError(
        "PDF carries no embedded invoice XML"
        if not xml_names
        else f"PDF carries several XML files and none has a standard name: {xml_names}"
    )


def parse_invoice(data: bytes | str | Path, *, max_bytes: int = MAX_BYTES) -> ParsedInvoice:
    """Parse UBL or CII (or a PDF carrying one) into the model and its stated totals.

    Raises ``InvoiceParseError`` for anything that is not a readable invoice.
    """
    if isinstance(data, Path):
        if data.stat().st_size > max_bytes:
            raise InvoiceParseError(f"{data} is larger than {max_bytes} bytes")
        data = data.read_bytes()
    if isinstance(data, bytes) and data.lstrip()[:5] == b"%PDF-":
        data = xml_from_pdf(data)
    root = load_xml(data, max_bytes=max_bytes)
    namespace = root.nsmap.get(root.prefix) if root.prefix else root.nsmap.get(None)
    namespace = namespace or ""
    if namespace in UBL_NAMESPACES:
        return parse_ubl(root)
    if namespace == CII_NAMESPACE:
        return parse_cii(root)
    raise InvoiceParseError(
        f"Root element {root.tag!r} is neither a UBL 2.1 Invoice/CreditNote nor a CII invoice"
    )
