"""E-invoice engine: validate, generate and render XRechnung, ZUGFeRD and Factur-X invoices.

Pure Python (lxml, saxonche, pypdf, reportlab); never imports Django. Imports are lazy so that
``import xrechnung`` stays cheap: Saxon and the rule packs load on first validation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from xrechnung.report import Report

__all__ = ["Report", "validate"]


def validate(data: bytes | str | Path, *, skip_schema: bool = False) -> Report:
    """Validate one invoice (XML or PDF bytes, text or a path); see ``xrechnung.validate``."""
    from xrechnung.validate import validate as _validate

    return _validate(data, skip_schema=skip_schema)


def __getattr__(name: str) -> Any:
    if name == "Report":
        from xrechnung.report import Report

        return Report
    raise AttributeError(f"module 'xrechnung' has no attribute {name!r}")
