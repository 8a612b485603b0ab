"""Factur-X / ZUGFeRD 2.x PDF/A-3 (EN 16931 profile): a readable page PDF with the CII attached."""

from __future__ import annotations

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
        return bytes(
            generate_from_binary(
                page_pdf,
                xml,
                flavor="factur-x",
                level="en16931",
                check_xsd=True,
                check_schematron=False,  # needs an HTTP Saxon server; the engine checks rules
                pdf_metadata={
                    "author": invoice.seller.name,
                    "keywords": "Factur-X, ZUGFeRD, EN 16931",
                    "title": title,
                    "subject": f"{title} {DASH} {invoice.seller.name} → {invoice.buyer.name}",
                },
                lang=_PDF_LANG.get(lang, "de-DE"),
            )
        )
    except Exception as exc:  # the factur-x package raises bare Exception for XSD failures
        raise XRechnungModelError(f"Factur-X embedding failed: {exc}", rule="Factur-X XSD") from exc
