"""Validate an e-invoice (XML or PDF) like the KoSIT validator: XSD, then the official rules.

``validate(data)`` takes bytes, text or a path and returns a ``Report``. It never raises for
bad input: unreadable, hostile or unknown documents come back as a rejecting report with a
finding that says why. Only a broken installation (missing or tampered rule packs) raises.
"""

from __future__ import annotations

import hashlib
import re
import sys
import types
from pathlib import Path

from lxml import etree

from xrechnung import rulepacks, scenarios, schematron, terms
from xrechnung.detect import detect, repair_root
from xrechnung.report import Finding, Report, RulePackUse
from xrechnung.safexml import XmlInputError, max_bytes, parse_bytes

__all__ = ["Report", "validate", "warm_up"]


_XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)encoding\s*=\s*[\"'][^\"']*[\"']")


def _read_input(data: bytes | str | Path) -> tuple[bytes | None, str | None, Finding | None]:
    if isinstance(data, Path):
        name = str(data)
        limit = max_bytes()
        try:
            size = data.stat().st_size
            if size > limit:
                return (
                    None,
                    name,
                    Finding(
                        id="INPUT-TOO-LARGE",
                        severity="fatal",
                        message=f"file of {size} bytes exceeds the limit of {limit} bytes",
                        source="engine",
                    ),
                )
            with data.open("rb") as fh:
                content = fh.read(limit + 1)
        except OSError as exc:
            return (
                None,
                name,
                Finding(
                    id="INPUT-UNREADABLE",
                    severity="fatal",
                    message=f"cannot read {name}: {exc.strerror or exc}",
                    source="engine",
                ),
            )
        return content, name, None
    if isinstance(data, str) and "<" not in data and len(data) < 4096 and Path(data).is_file():
        return _read_input(Path(data))  # a path given as text
    if isinstance(data, str):
        # The text is already decoded: its declaration must not make the parser decode again.
        text = _XML_DECL_ENCODING.sub(r'\1encoding="UTF-8"', data, count=1)
        return text.encode("utf-8"), None, None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), None, None
    raise TypeError("validate() takes bytes, str or pathlib.Path")


def validate(
    data: bytes | str | Path, *, skip_schema: bool = False, filename: str | None = None
) -> Report:
    """Validate one invoice and return its report (see module docstring)."""
    from xrechnung import pdf as pdf_mod

    content, name, problem = _read_input(data)
    report = Report(file=filename or name, syntax=None, scenario=None, specification=None)
    if problem is not None or content is None:
        report.findings.append(problem)  # type: ignore[arg-type]
        report.input_error = True
        return report
    report.sha256 = hashlib.sha256(content).hexdigest()
    limit = max_bytes()
    if len(content) > limit:
        report.findings.append(
            Finding(
                id="INPUT-TOO-LARGE",
                severity="fatal",
                message=f"input of {len(content)} bytes exceeds the limit of {limit} bytes",
                source="engine",
            )
        )
        report.input_error = True
        return report

    from_pdf = False
    if pdf_mod.is_pdf(content):
        from_pdf = True
        extraction = pdf_mod.extract(content)
        report.pdf = extraction.info
        report.findings.extend(extraction.findings)
        if extraction.xml is None:
            report.input_error = extraction.fatal
            return report
        content = extraction.xml

    try:
        tree = parse_bytes(content)
    except XmlInputError as exc:
        report.findings.append(
            Finding(id=exc.code, severity="fatal", message=exc.message, source="engine")
        )
        report.input_error = True
        return report

    found = detect(tree.getroot())
    root_repaired = False
    report.syntax = found.syntax
    report.specification = found.specification
    syntax_or_none = found.syntax
    if syntax_or_none is None:
        report.findings.append(
            Finding(
                id="UNKNOWN-SYNTAX",
                severity="fatal",
                message=(
                    f"root element {found.root or '?'} is neither a UBL 2.1 Invoice/CreditNote "
                    "nor a UN/CEFACT Cross Industry Invoice; no rules apply"
                ),
                source="engine",
            )
        )
        report.input_error = True
        return report
    if found.unusual_root:
        original = found.root or "?"
        root_repaired = repair_root(tree.getroot(), syntax_or_none)
        if root_repaired:
            found = detect(tree.getroot())
            what = f"it was read as {found.root}"
        else:
            what = "the rules were run on the fragment as given"
        report.findings.append(
            Finding(
                id="UNUSUAL-ROOT",
                severity="warning",
                message=(
                    f"root element {original} is not the {syntax_or_none} document element "
                    f"in its namespace; {what}"
                ),
                source="engine",
            )
        )
        report.specification = found.specification

    syntax: str = syntax_or_none  # a repaired root keeps its syntax
    scenario = scenarios.select(
        syntax=syntax,
        specification=found.specification,
        from_pdf=from_pdf,
        seller_country=found.seller_country,
    )
    report.scenario = scenario.name
    for code, severity, message in scenario.notes:
        # Every scenario note is about the specification identifier.
        report.findings.append(
            Finding(
                id=code,
                severity=severity,
                message=message,
                business_terms=("BT-24",),
                source="engine",
            )
        )
    if report.pdf is not None:
        report.findings.extend(pdf_mod.compare_profile(report.pdf, scenario.name))

    if not skip_schema and scenario.schema_role is not None:
        from xrechnung import xsd

        pack = rulepacks.pack_for(scenario.schema_role)
        path = pack.path(scenario.schema_role)
        report.rule_packs.append(_use(pack, scenario.schema_role))
        report.schema_checked = True
        schema_findings = xsd.validate(tree, path)
        report.schema_valid = not schema_findings
        report.findings.extend(schema_findings)
        if schema_findings:
            # As KoSIT: business rules are only meaningful on a schema-valid document.
            return report

    if scenario.stylesheet_roles:
        xml_text = _text_for_saxon(content, tree, modified=root_repaired)
        try:
            document = schematron.parse_document(xml_text)
        except schematron.SchematronError as exc:
            # Saxon's own parser limits (element depth 100) are stricter than libxml2's.
            report.findings.append(
                Finding(
                    id="XML-LIMIT-EXCEEDED",
                    severity="fatal",
                    message=f"the rules cannot read this document: {_first_line(exc)}",
                    source="engine",
                )
            )
            report.input_error = True
            return report
        seen: set[tuple[str, str, str]] = set()
        for role in scenario.stylesheet_roles:
            pack = rulepacks.pack_for(role)
            path = pack.path(role)
            report.rule_packs.append(_use(pack, role))
            try:
                svrl = schematron.transform(path, document)
            except schematron.SchematronError as exc:
                # A dynamic XPath error (e.g. "abc" where a rule computes with a decimal)
                # aborts the whole stylesheet, as in every XSLT-based validator: say so
                # instead of passing the document on rules that never ran.
                report.findings.append(
                    Finding(
                        id="SCHEMATRON-RUNTIME-ERROR",
                        severity="fatal",
                        message=(
                            f"the rules of {pack.name} ({path.name}) could not be evaluated on "
                            f"this document and were not checked: {_first_line(exc)}"
                        ),
                        source=role,
                    )
                )
                continue
            for raw in schematron.parse_svrl(svrl):
                # Factur-X profile stylesheets repeat the CEN rules: report each once.
                key = (raw.id, raw.location, raw.message)
                if key in seen:
                    continue
                seen.add(key)
                severity = scenario.levels.get(raw.id, raw.severity)
                report.findings.append(
                    Finding(
                        id=raw.id,
                        severity=severity,
                        message=raw.message,
                        location=raw.location,
                        business_terms=terms.business_terms(
                            rule_id=raw.id,
                            message=raw.message,
                            test=raw.test,
                            context=raw.context,
                            stylesheet=path,
                        ),
                        source=role,
                        test=raw.test,
                    )
                )
    return report


def _text_for_saxon(content: bytes, tree: etree._ElementTree, *, modified: bool) -> str:
    """The document as text for Saxon. lxml has already refused any DTD, so the original text
    is safe to hand over; decoding it is cheaper than serialising the tree again."""
    # Only for UTF-8: saxonche may re-encode the text, and another declared encoding would
    # then no longer match the bytes it parses.
    encoding = (tree.docinfo.encoding or "UTF-8").lower()
    if not modified and encoding in ("utf-8", "utf8", "us-ascii", "ascii"):
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    return etree.tostring(tree, encoding="unicode")


def _first_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:500]


def _use(pack: rulepacks.RulePack, role: str) -> RulePackUse:
    rel = pack.roles[role]
    return RulePackUse(
        name=pack.name, version=pack.version, role=role, file=rel, sha256=pack.files.get(rel, "")
    )


def warm_up(*, roles: tuple[str, ...] | None = None) -> None:
    """Compile the stylesheets now (e.g. in celery's worker_process_init, after the fork)."""
    wanted = roles or ("en16931-ubl", "xrechnung-ubl", "en16931-cii", "xrechnung-cii")
    for role in wanted:
        pack = rulepacks.pack_for(role)
        schematron.compiled(pack.path(role))


class _CallableModule(types.ModuleType):
    """``import xrechnung.validate`` rebinds ``xrechnung.validate`` to this module; keeping the
    module callable means ``xrechnung.validate(data)`` works in either import order."""

    def __call__(
        self, data: bytes | str | Path, *, skip_schema: bool = False, filename: str | None = None
    ) -> Report:
        return validate(data, skip_schema=skip_schema, filename=filename)


sys.modules[__name__].__class__ = _CallableModule
