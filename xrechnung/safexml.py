"""Parsing untrusted XML: no DTD, no entities, no network, bounded size.

Invoices never need a DTD, so a document carrying one is refused outright: that closes
external entities (XXE), parameter entities and entity expansion bombs in one rule.
"""

from __future__ import annotations

import os

from lxml import etree

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def max_bytes() -> int:
    """Largest input accepted (env XRECHNUNG_MAX_BYTES), so memory stays bounded."""
    try:
        return int(os.environ.get("XRECHNUNG_MAX_BYTES", DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


class XmlInputError(Exception):
    """The bytes are not acceptable XML; ``code`` is the finding id to report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,  # keeps libxml2's limits on text node size and nesting depth
        remove_comments=False,
        collect_ids=False,
    )


def parse_bytes(data: bytes, *, limit: int | None = None) -> etree._ElementTree:
    """Parse ``data`` safely; raise XmlInputError with a clear message otherwise."""
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise XmlInputError(
            "INPUT-TOO-LARGE", f"document of {len(data)} bytes exceeds the limit of {limit} bytes"
        )
    head = data[:4096].lstrip()
    if not head.startswith(b"<") and not head.startswith(b"\xef\xbb\xbf<"):
        if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise XmlInputError("XML-NOT-WELL-FORMED", "input is not XML (no markup at its start)")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        code = "XML-NOT-WELL-FORMED"
        if "huge" in message.lower() or "limit" in message.lower():
            code = "XML-LIMIT-EXCEEDED"
        if "entity" in message.lower() and "<!DOCTYPE" in data[:65536].decode("latin-1"):
            code = "XML-DTD-FORBIDDEN"
        raise XmlInputError(code, f"XML parse error: {message}") from exc
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise XmlInputError("XML-NOT-WELL-FORMED", f"XML parse error: {exc}") from exc
    docinfo = tree.docinfo
    if (
        getattr(docinfo, "doctype", None)
        or docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
    ):
        raise XmlInputError(
            "XML-DTD-FORBIDDEN",
            "document type declarations (DTD, entities) are not allowed in an e-invoice",
        )
    return tree
