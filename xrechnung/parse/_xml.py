"""Hardened XML loading and small typed readers shared by the UBL and CII parsers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

MAX_BYTES = 50 * 1024 * 1024


class InvoiceParseError(ValueError):
    """Input that is not a readable UBL or CII invoice; the message says why."""


def load_xml(data: bytes | str | Path, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse bytes, XML text or a file path without DTDs, entities or network access."""
    if isinstance(data, Path):
        if data.stat().st_size > max_bytes:
            raise InvoiceParseError(f"{data} is larger than {max_bytes} bytes")
        raw = data.read_bytes()
    elif isinstance(data, str):
        raw = data.encode("utf-8")
    else:
        raw = data
    if len(raw) > max_bytes:
        raise InvoiceParseError(f"Document is larger than {max_bytes} bytes")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise InvoiceParseError(f"Not well-formed XML: {exc}") from exc
    if root is None:
        raise InvoiceParseError("Empty document")
    tree = root.getroottree()
    docinfo = tree.docinfo
    if getattr(docinfo, "doctype", "") or getattr(docinfo, "internalDTD", None) is not None:
        # An invoice has no business with a DTD; refusing it closes the entity-expansion door.
        raise InvoiceParseError("Document declares a DTD; invoices must not")
    return root


def raw_text(el: etree._Element | None) -> str | None:
    """Element text with its line structure intact (BT-20 Skonto lines depend on it)."""
    return None if el is None or el.text is None else el.text


class Reader:
    """XPath reads relative to a context element with one namespace map."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.ns = namespaces

    def all(self, el: etree._Element | None, path: str) -> list[etree._Element]:
        return [] if el is None else el.findall(path, self.ns)

    def one(self, el: etree._Element | None, path: str) -> etree._Element | None:
        return None if el is None else el.find(path, self.ns)

    def text(self, el: etree._Element | None, path: str) -> str | None:
        if el is None:
            return None
        found = el.find(path, self.ns) if path else el
        if found is None or found.text is None:
            return None
        value = found.text.strip()
        return value or None

    def attr(self, el: etree._Element | None, path: str, name: str) -> str | None:
        found = self.one(el, path)
        return None if found is None else found.get(name)

    def decimal(self, el: etree._Element | None, path: str) -> Decimal | None:
        value = self.text(el, path)
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise InvoiceParseError(f"{path}: {value!r} is not a number") from exc

    def iso_date(self, el: etree._Element | None, path: str) -> date | None:
        value = self.text(el, path)
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise InvoiceParseError(f"{path}: {value!r} is not a date") from exc

    def date_102(self, el: etree._Element | None, path: str) -> date | None:
        value = self.text(el, path)
        if value is None:
            return None
        try:
            return datetime.strptime(value[:8], "%Y%m%d").date()  # noqa: DTZ007 - a calendar day
        except ValueError as exc:
            raise InvoiceParseError(f"{path}: {value!r} is not a YYYYMMDD date") from exc
