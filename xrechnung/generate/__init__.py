"""Writers from the invoice model: XRechnung UBL/CII, EN 16931 CII and Factur-X PDF/A-3."""

from xrechnung.generate._common import EN16931, PEPPOL_BILLING, XRECHNUNG_3
from xrechnung.generate.cii import to_cii
from xrechnung.generate.ubl import to_ubl

__all__ = ["EN16931", "PEPPOL_BILLING", "XRECHNUNG_3", "to_cii", "to_facturx_pdf", "to_ubl"]


def __getattr__(name: str) -> object:
    # The PDF writer pulls in reportlab and factur-x; load it only when asked for.
    if name == "to_facturx_pdf":
        from xrechnung.generate.facturx import to_facturx_pdf

        return to_facturx_pdf
    raise AttributeError(name)
