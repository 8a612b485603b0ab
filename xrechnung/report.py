"""The validation report and its three renderings: JSON, KoSIT VARL XML, HTML."""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

REJECTING = frozenset({"fatal", "error"})
SEVERITY_ORDER = {"fatal": 0, "error": 1, "warning": 2, "information": 3}

VARL_NS = "http://www.xoev.de/de/validator/varl/1"
SCENARIO_NS = "http://www.xoev.de/de/validator/framework/1/scenarios"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class Finding:
    """One rule outcome: ``severity`` is fatal, error, warning or information."""

    id: str
    severity: str
    message: str
    location: str = ""
    business_terms: tuple[str, ...] = ()
    source: str = ""  # "xsd", "engine", "pdf" or the rule pack role that produced it
    test: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "location": self.location,
            "business_terms": list(self.business_terms),
            "source": self.source,
        }


@dataclass(frozen=True)
class RulePackUse:
    name: str
    version: str
    role: str
    file: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "role": self.role,
            "file": self.file,
            "sha256": self.sha256,
        }


@dataclass
class PdfInfo:
    """What the PDF carries and claims (PDF/A part/conformance, Factur-X XMP)."""

    attachments: list[str] = field(default_factory=list)
    invoice_attachment: str | None = None
    pdfa_part: str | None = None
    pdfa_conformance: str | None = None
    xmp_document_file_name: str | None = None
    xmp_document_type: str | None = None
    xmp_version: str | None = None
    xmp_conformance_level: str | None = None
    xml_profile: str | None = None
    profile_matches: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Report:
    file: str | None
    syntax: str | None
    scenario: str | None
    specification: str | None
    findings: list[Finding] = field(default_factory=list)
    rule_packs: list[RulePackUse] = field(default_factory=list)
    schema_checked: bool = False
    schema_valid: bool | None = None
    pdf: PdfInfo | None = None
    sha256: str = ""
    input_error: bool = False  # the input could not be read as a document at all

    @property
    def verdict(self) -> str:
        """accept unless any finding is fatal or error (warnings never reject)."""
        return "reject" if any(f.severity in REJECTING for f in self.findings) else "accept"

    @property
    def accepted(self) -> bool:
        return self.verdict == "accept"

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity in REJECTING]

    def error_ids(self) -> set[str]:
        return {f.id for f in self.errors()}

    def to_dict(self) -> dict[str, Any]:
        counts = {s: 0 for s in SEVERITY_ORDER}
        for f in self.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        out: dict[str, Any] = {
            "file": self.file,
            "verdict": self.verdict,
            "syntax": self.syntax,
            "scenario": self.scenario,
            "specification": self.specification,
            "findings": [f.to_dict() for f in self.findings],
            "counts": counts,
            "rule_packs": [p.to_dict() for p in self.rule_packs],
            "schema_checked": self.schema_checked,
            "schema_valid": self.schema_valid,
            "sha256": self.sha256,
        }
        if self.pdf is not None:
            out["pdf"] = self.pdf.to_dict()
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_varl(self) -> str:
        return to_varl(self)

    def to_html(self) -> str:
        return reports_to_html([self])


# ---------------------------------------------------------------- VARL (KoSIT report)

_VARL_LEVEL = {"fatal": "error", "error": "error", "warning": "warning", "information": "info"}


def to_varl(report: Report, *, now: datetime | None = None) -> str:
    """A KoSIT-compatible VARL report (namespace http://www.xoev.de/de/validator/varl/1)."""
    r = f"{{{VARL_NS}}}"
    s = f"{{{SCENARIO_NS}}}"
    sv = f"{{{SVRL_NS}}}"
    nsmap = {"rep": VARL_NS, "s": SCENARIO_NS, "svrl": SVRL_NS}
    root = etree.Element(f"{r}report", nsmap=nsmap)
    root.set("valid", "true" if report.accepted else "false")
    root.set("varlVersion", "1.0.0")
    engine = etree.SubElement(root, f"{r}engine")
    etree.SubElement(engine, f"{r}name").text = "zuschlag xrechnung (saxonche)"
    stamp = (now or datetime.now(tz=UTC)).isoformat()
    etree.SubElement(root, f"{r}timestamp").text = stamp
    ident = etree.SubElement(root, f"{r}documentIdentification")
    doc_hash = etree.SubElement(ident, f"{r}documentHash")
    etree.SubElement(doc_hash, f"{r}hashAlgorithm").text = "SHA-256"
    digest = bytes.fromhex(report.sha256) if report.sha256 else b""
    etree.SubElement(doc_hash, f"{r}hashValue").text = base64.b64encode(digest).decode()
    etree.SubElement(ident, f"{r}documentReference").text = report.file or "-"

    if report.scenario is None:
        container = etree.SubElement(root, f"{r}noScenarioMatched")
    else:
        container = etree.SubElement(root, f"{r}scenarioMatched")
        scen = etree.SubElement(container, f"{s}scenario")
        etree.SubElement(scen, f"{s}name").text = report.scenario
        etree.SubElement(scen, f"{s}description").text = report.specification or ""
        etree.SubElement(scen, f"{s}match").text = report.syntax or ""
        data = etree.SubElement(container, f"{r}documentData")
        data.text = report.specification or ""

    # One step per check that ran (as KoSIT lists every step, valid or not), plus the
    # engine's own and the PDF findings when there are any.
    steps: dict[str, list[Finding]] = {}
    for source in ("pdf", "engine"):
        if any((f.source or "engine") == source for f in report.findings):
            steps[source] = []
    if report.schema_checked:
        steps["xsd"] = []
    for pack_use in report.rule_packs:
        if not pack_use.role.startswith("xsd-"):
            steps[pack_use.role] = []
    for f in report.findings:
        steps.setdefault(f.source or "engine", []).append(f)
    for index, (source, findings) in enumerate(steps.items(), start=1):
        step = etree.SubElement(container, f"{r}validationStepResult")
        step.set("id", "val-xsd" if source == "xsd" else f"val-{index}")
        step.set("valid", "false" if any(f.severity in REJECTING for f in findings) else "true")
        resource = etree.SubElement(step, f"{r}resource")
        etree.SubElement(resource, f"{r}name").text = source
        use = next((p for p in report.rule_packs if p.role == source), None)
        etree.SubElement(resource, f"{r}location").text = (
            f"{use.name} {use.version}: {use.file}" if use else source
        )
        for n, f in enumerate(findings, start=1):
            msg = etree.SubElement(step, f"{r}message")
            msg.set("id", f"{step.get('id')}.{n}")
            msg.set("level", _VARL_LEVEL.get(f.severity, "error"))
            msg.set("code", f.id)
            if f.location:
                msg.set("xpathLocation", f.location)
            msg.text = f.message
        if source not in ("xsd", "engine", "pdf"):
            out = etree.SubElement(step, f"{sv}schematron-output")
            for f in findings:
                fa = etree.SubElement(out, f"{sv}failed-assert")
                fa.set("id", f.id)
                fa.set("flag", f.severity)
                fa.set("location", f.location)
                if f.test:
                    fa.set("test", f.test)
                etree.SubElement(fa, f"{sv}text").text = f.message

    assessment = etree.SubElement(root, f"{r}assessment")
    if report.accepted:
        decision = etree.SubElement(assessment, f"{r}accept")
    else:
        decision = etree.SubElement(assessment, f"{r}reject")
    explanation = etree.SubElement(decision, f"{r}explanation")
    errors = report.errors()
    explanation.text = (
        f"{len(errors)} error(s): " + ", ".join(sorted({f.id for f in errors}))
        if errors
        else "no errors"
    )
    return etree.tostring(root, encoding="unicode", pretty_print=True)


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:80rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
.verdict{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;font-weight:bold}
.accept{background:#d7f2dc;color:#0b5d1e}.reject{background:#fbd9d9;color:#8a1111}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.fatal,.error{color:#8a1111;font-weight:bold}.warning{color:#8a5a00}
.information{color:#555}code{font-size:.8rem;word-break:break-all}dl{display:grid;
grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:bold}
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def reports_to_html(reports: list[Report]) -> str:
    """A self-contained, readable page for one or more reports."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>E-invoice validation report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>E-invoice validation report</h1>",
    ]
    for rep in reports:
        parts.append(f"<h2>{_esc(rep.file or 'document')}</h2>")
        parts.append(
            f"<p><span class='verdict {rep.verdict}'>{rep.verdict.upper()}</span> "
            f"{len(rep.errors())} error(s), "
            f"{sum(f.severity == 'warning' for f in rep.findings)} warning(s)</p>"
        )
        parts.append("<dl>")
        for label, value in (
            ("Syntax", rep.syntax),
            ("Scenario", rep.scenario),
            ("Specification (BT-24)", rep.specification),
            (
                "XML Schema",
                "not checked"
                if not rep.schema_checked
                else ("valid" if rep.schema_valid else "invalid"),
            ),
            ("SHA-256", rep.sha256),
        ):
            parts.append(f"<dt>{_esc(label)}</dt><dd>{_esc(value)}</dd>")
        for pack in rep.rule_packs:
            parts.append(
                f"<dt>Rules</dt><dd>{_esc(pack.name)} {_esc(pack.version)} "
                f"<code>{_esc(pack.file)}</code></dd>"
            )
        if rep.pdf is not None:
            for key, value in rep.pdf.to_dict().items():
                parts.append(f"<dt>PDF {_esc(key.replace('_', ' '))}</dt><dd>{_esc(value)}</dd>")
        parts.append("</dl>")
        if not rep.findings:
            parts.append("<p>No findings.</p>")
            continue
        parts.append(
            "<table><thead><tr><th>Severity</th><th>Rule</th><th>Business terms</th>"
            "<th>Message</th><th>Location</th></tr></thead><tbody>"
        )
        for f in sorted(rep.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.id)):
            parts.append(
                f"<tr><td class='{_esc(f.severity)}'>{_esc(f.severity)}</td>"
                f"<td>{_esc(f.id)}</td><td>{_esc(', '.join(f.business_terms))}</td>"
                f"<td>{_esc(f.message)}</td><td><code>{_esc(f.location)}</code></td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
