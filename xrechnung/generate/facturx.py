"""Factur-X / ZUGFeRD 2.x PDF/A-3 (EN 16931 profile): a readable page PDF with the CII attached."""

from __future__ import annotations

import io
import re

from xrechnung.generate._common import EN16931
from xrechnung.generate.cii import to_cii
from xrechnung.model import Invoice, XRechnungModelError
from xrechnung.render import render_pdf
from xrechnung.render.labels import document_title

DASH = "\N{EN DASH}"  # typographic range and separator dash

_PDF_LANG = {"de": "de-DE", "en": "en-GB", "fr": "fr-FR"}


def to_facturx_pdf(invoice: Invoice, *, lang: str = "de") -> bytes:
    """Return a Factur-X EN 16931 PDF: embedded fonts, sRGB OutputIntent, XMP claiming PDF/A-3B
    and the Factur-X profile, ``factur-x.xml`` attached with AFRelationship Data.

    The CII is checked against the profile's XML Schema by the factur-x package while embedding.
    Raises ``XRechnungModelError`` for an inconsistent model.
    """
    from facturx import generate_from_binary

    xml = to_cii(invoice, guideline_id=EN16931)
    page_pdf = render_pdf(invoice, lang=lang)
    title = f"{document_title(invoice.type_code, lang)} {invoice.number}"
    try:
        embedded = bytes(
            generate_from_binary(
                page_pdf,
                xml,
                flavor="factur-x",
                level="en16931",
                check_xsd=True,
                check_schematron=False,  # needs an HTTP Saxon server; the engine checks rules
                pdf_metadata={
                    "author": invoice.seller.name,
                    "title": title,
                    "subject": f"{title} {DASH} {invoice.seller.name} → {invoice.buyer.name}",
                },
                lang=_PDF_LANG.get(lang, "de-DE"),
                # PDF/A-1 forbids a filtered metadata stream; plain XMP is valid everywhere and
                # readable by tools that only grep for the packet.
                xmp_compression=False,
            )
        )
    except Exception as exc:  # the factur-x package raises bare Exception for XSD failures
        raise XRechnungModelError(f"Factur-X embedding failed: {exc}", rule="Factur-X XSD") from exc
    return align_info_with_xmp(embedded)


def align_info_with_xmp(pdf: bytes) -> bytes:
    """Make the document information dictionary say what the XMP says (PDF/A-3 6.6.2.3.1).

    factur-x writes /Keywords without pdf:Keywords and keeps reportlab's /Producer and /Trapped
    while its XMP names pypdf; a PDF/A validator reports each mismatch. The header is raised to
    1.7 because embedded files with /AF are PDF 2.0/1.7 features PDF/A-3 builds on.
    """
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    metadata = writer._root_object["/Metadata"].get_object()
    xmp = metadata.get_data() if isinstance(metadata, StreamObject) else b""
    match = re.search(rb"<pdf:Producer>([^<]*)</pdf:Producer>", xmp)
    info = writer._info.get_object() if writer._info is not None else None
    if isinstance(info, DictionaryObject):
        for key in ("/Keywords", "/Trapped"):
            info.pop(NameObject(key), None)
        if match:
            info[NameObject("/Producer")] = TextStringObject(match.group(1).decode("utf-8"))
    writer.pdf_header = "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
