"""Which syntax a document is in, and which specification it claims."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDITNOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_COMMON = "urn:oasis:names:specification:ubl:schema:xsd:Common"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
ZUGFERD1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"


@dataclass(frozen=True)
class Detected:
    syntax: str | None  # ubl-invoice | ubl-creditnote | cii | zugferd-1.0 | None
    specification: str | None
    seller_country: str | None
    root: str  # Clark name of the root element
    unusual_root: bool  # syntax inferred from the namespaces inside, not from the root


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def detect(root: etree._Element) -> Detected:
    tag = root.tag if isinstance(root.tag, str) else ""
    ns = _ns(tag)
    local = tag.rsplit("}", 1)[-1]
    syntax: str | None = None
    unusual = False
    if ns == UBL_INVOICE:
        syntax = "ubl-invoice"
    elif ns == UBL_CREDITNOTE:
        syntax = "ubl-creditnote"
    elif ns == RSM:
        syntax = "cii"
    elif ns == ZUGFERD1:
        syntax = "zugferd-1.0"
    else:
        # A rule-test fragment may have another root; the namespaces in use still say
        # which binding's rules apply.
        seen: set[str] = set()
        for el in root.iter():
            if isinstance(el.tag, str):
                seen.add(_ns(el.tag))
            if len(seen) > 64:
                break
        if local == "CreditNote" or UBL_CREDITNOTE in seen:
            if UBL_CREDITNOTE in seen or any(s.startswith(UBL_COMMON) for s in seen):
                syntax, unusual = "ubl-creditnote", True
        if syntax is None and (UBL_INVOICE in seen or any(s.startswith(UBL_COMMON) for s in seen)):
            syntax, unusual = "ubl-invoice", True
        elif syntax is None and (RSM in seen or RAM in seen):
            syntax, unusual = "cii", True
    spec = None
    country = None
    if syntax in ("ubl-invoice", "ubl-creditnote"):
        spec = _first_text(root, f"{{{CBC}}}CustomizationID", direct=not unusual)
        country = _ubl_seller_country(root)
    elif syntax == "cii":
        spec = _cii_spec(root)
        country = _cii_seller_country(root)
    elif syntax == "zugferd-1.0":
        for el in root.iter(f"{{{ZUGFERD1}}}ID"):
            spec = (el.text or "").strip() or None
            break
    return Detected(syntax, spec, country, tag, unusual)


DOCUMENT_ELEMENTS = {
    "ubl-invoice": f"{{{UBL_INVOICE}}}Invoice",
    "ubl-creditnote": f"{{{UBL_CREDITNOTE}}}CreditNote",
    "cii": f"{{{RSM}}}CrossIndustryInvoice",
}


def repair_root(root: etree._Element, syntax: str) -> bool:
    """Put a document element that carries the right name in the wrong (or no) namespace into
    its syntax's namespace, as rule-test fragments cut from a test set often do
    (``<Invoice>`` inheriting the test set's default namespace). Returns True if renamed."""
    wanted = DOCUMENT_ELEMENTS.get(syntax)
    if wanted is None or not isinstance(root.tag, str) or root.tag == wanted:
        return False
    if root.tag.rsplit("}", 1)[-1] != wanted.rsplit("}", 1)[-1]:
        return False
    root.tag = wanted
    return True


def _first_text(root: etree._Element, clark: str, *, direct: bool) -> str | None:
    el = root.find(clark) if direct else next(root.iter(clark), None)
    if el is None:
        return None
    return (el.text or "").strip() or None


def _cii_spec(root: etree._Element) -> str | None:
    for ctx in root.iter(f"{{{RAM}}}GuidelineSpecifiedDocumentContextParameter"):
        ident = ctx.find(f"{{{RAM}}}ID")
        if ident is not None:
            return (ident.text or "").strip() or None
    return None


def _ubl_seller_country(root: etree._Element) -> str | None:
    for party in root.iter(f"{{{CAC}}}AccountingSupplierParty"):
        for code in party.iter(f"{{{CBC}}}IdentificationCode"):
            return (code.text or "").strip() or None
    return None


def _cii_seller_country(root: etree._Element) -> str | None:
    for seller in root.iter(f"{{{RAM}}}SellerTradeParty"):
        for code in seller.iter(f"{{{RAM}}}CountryID"):
            return (code.text or "").strip() or None
    return None
