"""Running compiled Schematron (XSLT 2.0) with saxonche, and normalising its SVRL.

One ``PySaxonProcessor`` per process, created on first use; every stylesheet is compiled once
from its FILE PATH (so the Factur-X stylesheets find their code lists via ``document()``
next to them) and cached. Saxon must not be touched in a process that later forks: the
owning pid is recorded and a forked child refuses to reuse the parent's processor.
"""

from __future__ import annotations

import html
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_S = "{" + SVRL_NS + "}"

_lock = threading.Lock()
_state: dict[str, Any] = {"pid": None, "proc": None, "xslt": None}
_executables: dict[str, Any] = {}


class SchematronError(Exception):
    """A stylesheet could not be compiled or run."""


def _processor() -> tuple[Any, Any]:
    pid = os.getpid()
    if _state["proc"] is not None and _state["pid"] != pid:
        # Reusing (or even replacing) Saxon state inherited through fork() can crash the
        # child; workers must be started with "spawn"/"forkserver" or before Saxon is used.
        raise SchematronError(
            "saxonche was initialised in a parent process before fork(); validate in a "
            "process started with the 'spawn' or 'forkserver' method"
        )
    if _state["proc"] is None:
        from saxonche import PySaxonProcessor

        proc = PySaxonProcessor(license=False)
        _state.update(pid=pid, proc=proc, xslt=proc.new_xslt30_processor())
    return _state["proc"], _state["xslt"]


def saxon_started() -> bool:
    return _state["proc"] is not None


def compiled(stylesheet: Path) -> Any:
    """The compiled executable for ``stylesheet``, compiled on first use only."""
    key = str(stylesheet)
    exe = _executables.get(key)
    if exe is not None:
        return exe
    with _lock:
        exe = _executables.get(key)
        if exe is None:
            _, xslt = _processor()
            try:
                exe = xslt.compile_stylesheet(stylesheet_file=key)
            except Exception as exc:  # saxonche raises PySaxonApiError
                raise SchematronError(f"cannot compile {stylesheet}: {exc}") from exc
            if exe is None:
                raise SchematronError(f"cannot compile {stylesheet}")
            _executables[key] = exe
    return exe


def parse_document(xml_text: str) -> Any:
    """Hand the (already safely parsed and re-serialised) document to Saxon as a TinyTree."""
    proc, _ = _processor()
    try:
        return proc.parse_xml(xml_text=xml_text)
    except Exception as exc:
        raise SchematronError(f"Saxon could not parse the document: {exc}") from exc


def transform(stylesheet: Path, document: Any) -> str:
    exe = compiled(stylesheet)
    with _lock:
        try:
            # transform_to_string(xdm_node=) also makes the node the global context item
            # (XRechnung's $isExtension, $isCVD read it); verified on the corpus.
            result = exe.transform_to_string(xdm_node=document)
        except Exception as exc:
            raise SchematronError(f"{stylesheet.name} failed on this document: {exc}") from exc
    if result is None:
        raise SchematronError(f"{stylesheet.name} produced no SVRL output")
    return str(result)


# ---------------------------------------------------------------- SVRL normalisation


@dataclass(frozen=True)
class RawFinding:
    id: str
    severity: str
    message: str
    location: str
    test: str
    context: str
    kind: str  # "assert" or "report"


_SEVERITIES = {
    "fatal": "fatal",
    "error": "error",
    "warning": "warning",
    "warn": "warning",
    "information": "information",
    "info": "information",
    "informational": "information",
}

_ID_IN_TEXT = re.compile(r"^\s*\[?([A-Z][A-Z0-9]*(?:[-_][A-Za-z0-9]+)+)\]?")

_PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "ubl",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "cn",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "rsm",
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt",
}

# /Q{uri}local[1]  (SchXslt, Saxon path())
_EQNAME = re.compile(r"Q\{([^}]*)\}([\w.-]+)")
# /*:local[namespace-uri()='uri'][1]  (ISO skeleton "schematron-select-full-path")
_SKELETON = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]")
# @*[local-name()='x' and namespace-uri()='']
_ATTR = re.compile(r"@\*\[local-name\(\)='([\w.-]+)'(?: and namespace-uri\(\)='')?\]")


def _prefixed(uri: str, local: str) -> str:
    prefix = _PREFIXES.get(uri)
    if prefix:
        return f"{prefix}:{local}"
    if not uri:
        return local
    return f"Q{{{uri}}}{local}"


def normalise_location(location: str) -> str:
    """One XPath syntax for every compiler: ``/ubl:Invoice[1]/cac:X[1]/cbc:Y[1]``."""
    loc = location.strip()
    loc = _SKELETON.sub(lambda m: _prefixed(m.group(2), m.group(1)), loc)
    loc = _EQNAME.sub(lambda m: _prefixed(m.group(1), m.group(2)), loc)
    loc = _ATTR.sub(lambda m: "@" + m.group(1), loc)
    return loc


def normalise_severity(flag: str | None) -> str:
    """Missing flag means error (ISO Schematron: an assertion failure without a role)."""
    if flag is None or not flag.strip():
        return "error"
    return _SEVERITIES.get(flag.strip().lower(), "error")


def _text(el: etree._Element) -> str:
    text_el = el.find(f"{_S}text")
    source = text_el if text_el is not None else el
    raw = "".join(str(t) for t in source.itertext())
    return " ".join(raw.split())


def parse_svrl(svrl: str) -> list[RawFinding]:
    """Every failed assert and successful report of one SVRL output, normalised."""
    if "failed-assert" not in svrl and "successful-report" not in svrl:
        # The common case of a valid invoice: SVRL of a big one is mostly fired-rule
        # elements (about 1.5 kB per line), not worth parsing.
        return []
    quick = _parse_svrl_findings_only(svrl)
    return quick if quick is not None else _parse_svrl_full(svrl)


_SVRL_PREFIX = re.compile(r'xmlns:([\w.-]+)="http://purl\.oclc\.org/dsdl/svrl"')
_CONTEXT_ATTR = re.compile(r'\scontext="([^"]*)"')


def _parse_svrl_findings_only(svrl: str) -> list[RawFinding] | None:
    """Parse only the finding elements (and the context of the rule before each), not the
    thousands of fired-rule elements around them. None when the text is not in the shape
    this relies on; the caller then parses the whole SVRL."""
    prefixes = set(_SVRL_PREFIX.findall(svrl, 0, 4096))
    if len(prefixes) != 1:
        return None
    pfx = prefixes.pop()
    opening = re.compile(rf"<{re.escape(pfx)}:(failed-assert|successful-report)[\s>]")
    starts = [(m.start(), m.group(1)) for m in opening.finditer(svrl)]
    if len(starts) * 2 != svrl.count("failed-assert") + svrl.count("successful-report"):
        return None  # self-closing, other prefixes, or the words inside a message
    fragments = []
    contexts = []
    for pos, kind in starts:
        close = f"</{pfx}:{kind}>"
        end = svrl.find(close, pos)
        if end < 0:
            return None
        fragments.append(svrl[pos : end + len(close)])
        rule = svrl.rfind(f"<{pfx}:fired-rule", 0, pos)
        if rule < 0:
            contexts.append("")
        else:
            tag_end = svrl.find(">", rule)
            attr = _CONTEXT_ATTR.search(svrl, rule, tag_end)
            contexts.append(html.unescape(attr.group(1)) if attr else "")
    wrapped = f'<r xmlns:{pfx}="{SVRL_NS}">{"".join(fragments)}</r>'
    try:
        root = etree.fromstring(wrapped.encode("utf-8"), _svrl_parser())
    except etree.XMLSyntaxError:
        return None
    elements = list(root)
    if len(elements) != len(starts):
        return None
    return [_raw(el, context) for el, context in zip(elements, contexts, strict=True)]


def _svrl_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _parse_svrl_full(svrl: str) -> list[RawFinding]:
    try:
        root = etree.fromstring(svrl.encode("utf-8"), _svrl_parser())
    except etree.XMLSyntaxError as exc:
        raise SchematronError(f"unreadable SVRL output: {exc}") from exc
    findings: list[RawFinding] = []
    context = ""
    for el in root.iter(f"{_S}fired-rule", f"{_S}failed-assert", f"{_S}successful-report"):
        if el.tag == f"{_S}fired-rule":
            context = el.get("context", "")
            continue
        findings.append(_raw(el, context))
    return findings


def _raw(el: etree._Element, context: str) -> RawFinding:
    message = _text(el)
    rule_id = (el.get("id") or "").strip()
    if not rule_id:
        match = _ID_IN_TEXT.match(message)
        rule_id = match.group(1) if match else "UNNAMED-RULE"
    return RawFinding(
        id=rule_id,
        severity=normalise_severity(el.get("flag") or el.get("role")),
        message=message,
        location=normalise_location(el.get("location", "")),
        test=el.get("test", ""),
        context=context,
        kind="assert" if el.tag == f"{_S}failed-assert" else "report",
    )
