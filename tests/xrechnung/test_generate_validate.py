"""Generated documents pass the project's own engine (``xrechnung.validate``) with zero findings.

The engine picks the scenario from the document itself (XRechnung CIUS, EN 16931, Factur-X
EN16931 profile, French CTC rules for French sellers), so this also proves the identifiers we
write select the intended rules.
"""

from __future__ import annotations

import pytest

import xrechnung
from tests.xrechnung import samples
from xrechnung.generate import EN16931, to_cii, to_facturx_pdf, to_ubl

WRITERS = {
    "xrechnung-ubl": (to_ubl, "xrechnung"),
    "xrechnung-cii": (to_cii, "xrechnung"),
    "en16931-ubl": (lambda inv: to_ubl(inv, customization_id=EN16931), "en16931"),
    "en16931-cii": (lambda inv: to_cii(inv, guideline_id=EN16931), "en16931"),
    "facturx-pdf": (to_facturx_pdf, "facturx-en16931"),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_engine_accepts_generated_invoice(name: str, writer: str) -> None:
    # given a model and one of our writers
    invoice = samples.ALL[name]()
    write, scenario = WRITERS[writer]
    # when the engine validates what we wrote
    report = xrechnung.validate(write(invoice))
    # then it is accepted under the intended scenario without a single error
    assert report.verdict == "accept"
    assert scenario in str(report.scenario)
    errors = [(f.id, f.message) for f in report.findings if f.severity in ("fatal", "error")]
    assert errors == []
    # and without warnings, except the empty CII delivery element when a model has no delivery
    # information at all (CII requires ApplicableHeaderTradeDelivery; Peppol R008 dislikes it)
    others = {f.id for f in report.findings}
    allowed = (
        {"PEPPOL-EN16931-R008"}
        if writer.endswith(("cii", "pdf")) and not invoice.delivery
        else set()
    )
    assert others <= allowed
