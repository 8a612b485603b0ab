"""XML Schema validation (lxml), each schema loaded once per process, offline."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lxml import etree

from xrechnung.report import Finding

_schemas: dict[str, etree.XMLSchema] = {}
_lock = threading.Lock()


class SchemaLoadError(Exception):
    pass


def schema(path: Path) -> etree.XMLSchema:
    key = str(path)
    cached = _schemas.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _schemas:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            try:
                doc = etree.parse(key, parser)
                _schemas[key] = etree.XMLSchema(doc)
            except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
                raise SchemaLoadError(f"cannot load XML Schema {path}: {exc}") from exc
    return _schemas[key]


def validate(tree: etree._ElementTree, path: Path, *, max_findings: int = 200) -> list[Finding]:
    xsd = schema(path)
    if xsd.validate(tree):
        return []
    findings = []
    errors: list[Any] = list(xsd.error_log)  # type: ignore[call-overload]
    for n, err in enumerate(errors):
        if n >= max_findings:
            findings.append(
                Finding(
                    id="XSD",
                    severity="error",
                    message=f"further XML Schema errors omitted ({len(errors)} in all)",
                    source="xsd",
                )
            )
            break
        findings.append(
            Finding(
                id="XSD",
                severity="error",  # as KoSIT reports schema violations
                message=f"line {err.line}: {err.message}",
                location=err.path or "",
                source="xsd",
            )
        )
    return findings
