"""Factur-X / ZUGFeRD / XRechnung invoices embedded in a PDF, and what the PDF claims.

The invoice XML is taken from the embedded files (``factur-x.xml``, ``zugferd-invoice.xml``,
``xrechnung.xml``); the XMP metadata is read for the PDF/A part and conformance and the
Factur-X extension schema (``fx:ConformanceLevel``, ``fx:DocumentFileName``), then compared
with the profile the XML itself declares.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass, field

from xrechnung.report import Finding, PdfInfo
from xrechnung.safexml import XmlInputError, parse_bytes

INVOICE_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
MAX_ATTACHMENT_BYTES = 32 * 1024 * 1024

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def is_pdf(data: bytes) -> bool:
    """PDF header within the first KiB (readers tolerate leading junk), unless it is XML."""
    head = data[:1024]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    return b"%PDF-" in head


@dataclass
class PdfExtraction:
    xml: bytes | None
    info: PdfInfo
    findings: list[Finding] = field(default_factory=list)
    fatal: bool = False


def _finding(code: str, severity: str, message: str) -> Finding:
    return Finding(id=code, severity=severity, message=message, source="pdf")


def extract(data: bytes) -> PdfExtraction:
    """Find the invoice XML in a PDF; never raises for a bad PDF, reports it instead."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _extract(data)
    except Exception as exc:  # malformed PDFs fail lazily, anywhere in pypdf
        return PdfExtraction(
            None,
            PdfInfo(),
            [_finding("PDF-UNREADABLE", "fatal", f"the PDF cannot be read: {exc}")],
            True,
        )


def _extract(data: bytes) -> PdfExtraction:
    info = PdfInfo()
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        return PdfExtraction(
            None, info, [_finding("PDF-UNSUPPORTED", "fatal", "pypdf is not installed")], True
        )
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                opened: object
                try:
                    opened = reader.decrypt("")
                except Exception:
                    opened = 0
                if not opened:
                    return PdfExtraction(
                        None,
                        info,
                        [
                            _finding(
                                "PDF-ENCRYPTED",
                                "fatal",
                                "the PDF is encrypted with a password; an e-invoice PDF must "
                                "be readable without one (PDF/A forbids encryption)",
                            )
                        ],
                        True,
                    )
            entries = list(reader.attachment_list)
            xmp = _read_xmp(reader)
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return PdfExtraction(
            None,
            info,
            [_finding("PDF-UNREADABLE", "fatal", f"the PDF cannot be read: {exc}")],
            True,
        )
    except Exception as exc:
        return PdfExtraction(
            None,
            info,
            [_finding("PDF-UNREADABLE", "fatal", f"the PDF cannot be read: {exc}")],
            True,
        )

    findings: list[Finding] = []
    if reader.is_encrypted:
        findings.append(
            _finding(
                "PDF-ENCRYPTED",
                "warning",
                "the PDF is encrypted (empty user password); PDF/A-3 forbids encryption",
            )
        )
    info.attachments = [str(e.name) for e in entries]
    candidates = [e for e in entries if str(e.name).lower() in INVOICE_NAMES]
    if not candidates:
        xmls = [e for e in entries if str(e.name).lower().endswith(".xml")]
        if len(xmls) == 1:
            candidates = xmls
            findings.append(
                _finding(
                    "PDF-XML-NAME",
                    "warning",
                    f"embedded XML {xmls[0].name!r} does not carry a Factur-X/ZUGFeRD file "
                    f"name ({', '.join(INVOICE_NAMES)})",
                )
            )
    if not candidates:
        findings.append(
            _finding(
                "PDF-NO-XML",
                "fatal",
                "the PDF carries no embedded invoice XML "
                f"(looked for {', '.join(INVOICE_NAMES)}; attachments: "
                f"{', '.join(info.attachments) or 'none'})",
            )
        )
        _apply_xmp(info, xmp)
        return PdfExtraction(None, info, findings, True)
    if len(candidates) > 1:
        findings.append(
            _finding(
                "PDF-SEVERAL-XML",
                "error",
                "the PDF carries several invoice XML files "
                f"({', '.join(str(c.name) for c in candidates)}); exactly one is allowed. "
                f"Validated {candidates[0].name!r}.",
            )
        )
    chosen = candidates[0]
    info.invoice_attachment = str(chosen.name)
    size = chosen.size
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        findings.append(
            _finding("PDF-XML-TOO-LARGE", "fatal", f"embedded XML declares {size} bytes")
        )
        return PdfExtraction(None, info, findings, True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            content = chosen.content
    except Exception as exc:
        findings.append(
            _finding("PDF-UNREADABLE", "fatal", f"embedded {chosen.name!r} cannot be read: {exc}")
        )
        return PdfExtraction(None, info, findings, True)
    if len(content) > MAX_ATTACHMENT_BYTES:
        findings.append(
            _finding("PDF-XML-TOO-LARGE", "fatal", f"embedded XML is {len(content)} bytes")
        )
        return PdfExtraction(None, info, findings, True)
    _apply_xmp(info, xmp)
    findings.extend(_pdfa_findings(info))
    return PdfExtraction(content, info, findings, False)


def _read_xmp(reader: object) -> bytes | None:
    try:
        root = reader.trailer["/Root"]  # type: ignore[attr-defined]
        meta = root.get("/Metadata")
        if meta is None:
            return None
        data = meta.get_object().get_data()
        return bytes(data)[: 4 * 1024 * 1024]
    except Exception:
        return None


def _apply_xmp(info: PdfInfo, xmp: bytes | None) -> None:
    if not xmp:
        return
    start = xmp.find(b"<x:xmpmeta")
    if start < 0:
        start = xmp.find(b"<rdf:RDF")
    end_tag = b"</x:xmpmeta>" if xmp.find(b"</x:xmpmeta>") >= 0 else b"</rdf:RDF>"
    end = xmp.find(end_tag)
    if start < 0 or end < 0:
        return
    try:
        tree = parse_bytes(xmp[start : end + len(end_tag)])
    except XmlInputError:
        return
    values: dict[str, str] = {}
    for el in tree.getroot().iter():
        if not isinstance(el.tag, str):
            continue
        ns, _, local = el.tag[1:].partition("}")
        if el.text and el.text.strip() and len(el) == 0:
            values.setdefault(f"{ns}|{local}", el.text.strip())
        for raw_key, raw_value in el.attrib.items():
            key, value = str(raw_key), str(raw_value)
            if key.startswith("{"):
                ans, _, alocal = key[1:].partition("}")
                values.setdefault(f"{ans}|{alocal}", value.strip())
    info.pdfa_part = values.get(f"{_PDFAID}|part")
    info.pdfa_conformance = values.get(f"{_PDFAID}|conformance")
    for key, value in values.items():
        ns, _, local = key.partition("|")
        if "factur-x" in ns.lower() or "zugferd" in ns.lower() or "xrechnung" in ns.lower():
            if local == "ConformanceLevel":
                info.xmp_conformance_level = value
            elif local == "DocumentFileName":
                info.xmp_document_file_name = value
            elif local == "DocumentType":
                info.xmp_document_type = value
            elif local == "Version":
                info.xmp_version = value


def _pdfa_findings(info: PdfInfo) -> list[Finding]:
    out = []
    if info.pdfa_part is None:
        out.append(
            _finding(
                "PDF-NOT-PDFA",
                "warning",
                "the PDF's XMP metadata claims no PDF/A conformance "
                "(Factur-X and ZUGFeRD need PDF/A-3)",
            )
        )
    elif info.pdfa_part != "3":
        out.append(
            _finding(
                "PDF-NOT-PDFA3",
                "warning",
                f"the PDF claims PDF/A-{info.pdfa_part}{info.pdfa_conformance or ''}; "
                "an embedded invoice needs PDF/A-3",
            )
        )
    if info.xmp_conformance_level is None:
        out.append(
            _finding(
                "PDF-XMP-NO-PROFILE",
                "warning",
                "the XMP metadata has no Factur-X/ZUGFeRD ConformanceLevel",
            )
        )
    if (
        info.xmp_document_file_name
        and info.invoice_attachment
        and info.xmp_document_file_name.lower() != info.invoice_attachment.lower()
    ):
        out.append(
            _finding(
                "PDF-XMP-FILENAME-MISMATCH",
                "warning",
                f"XMP names {info.xmp_document_file_name!r} but the embedded invoice is "
                f"{info.invoice_attachment!r}",
            )
        )
    return out


_PROFILE_OF_SCENARIO = {
    "facturx-minimum": "MINIMUM",
    "facturx-basicwl": "BASIC WL",
    "facturx-basic": "BASIC",
    "facturx-en16931": "EN 16931",
    "facturx-extended": "EXTENDED",
    "extended-ctc-fr": "EXTENDED",
    "xrechnung": "XRECHNUNG",
    "xrechnung-extension": "XRECHNUNG",
    "xrechnung-cvd": "XRECHNUNG",
    "en16931": "EN 16931",
}


def compare_profile(info: PdfInfo, scenario: str | None) -> list[Finding]:
    """Does the XMP ConformanceLevel claim the profile the XML declares?"""
    xml_profile = _PROFILE_OF_SCENARIO.get(scenario or "")
    info.xml_profile = xml_profile
    claim = info.xmp_conformance_level
    if claim is None or xml_profile is None:
        info.profile_matches = None
        return []

    def norm(value: str) -> str:
        return "".join(value.upper().split()).replace("-", "").replace("COMFORT", "EN16931")

    info.profile_matches = norm(claim) == norm(xml_profile)
    if info.profile_matches:
        return []
    return [
        _finding(
            "PDF-XMP-PROFILE-MISMATCH",
            "warning",
            f"the XMP metadata claims profile {claim!r} but the XML declares {xml_profile}",
        )
    ]
