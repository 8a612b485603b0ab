"""Helpers shared by the UBL and CII writers."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from xrechnung.model import PEPPOL_BILLING
from xrechnung.totals import money

# Specification identifiers (BT-24).
XRECHNUNG_3 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
EN16931 = "urn:cen.eu:en16931:2017"

__all__ = ["EN16931", "PEPPOL_BILLING", "XRECHNUNG_3", "amount_text", "number_text", "serialize"]


def amount_text(value: Decimal) -> str:
    """A document amount: exactly two decimals, no exponent (BR-DEC-*)."""
    return f"{money(value):f}"


def number_text(value: Decimal) -> str:
    """A quantity, price or percentage as plain decimal text: never an exponent."""
    text = f"{abs(value) if value == 0 else value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None
) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
