"""Business terms (BT-/BG-) derived from the rules themselves."""

from __future__ import annotations

from xrechnung import rulepacks
from xrechnung.terms import business_terms, learned_map, terms_in_text


def test_terms_from_rule_text() -> None:
    text = "[BR-52]-Each Additional supporting document (BG-24) shall contain a reference (BT-122)."
    assert terms_in_text(text) == ("BG-24", "BT-122")
    assert terms_in_text("BR-FR-01/BT-1 : trop long") == ("BT-1",)
    assert terms_in_text("nothing here") == ()


def test_syntax_rules_get_terms_from_the_stylesheet_bindings() -> None:
    sheet = rulepacks.pack_for("en16931-ubl").path("en16931-ubl")
    mapping = learned_map(str(sheet))
    # learned from rules such as BR-CO-13/BR-12 that name the term of the element they test
    assert mapping["cbc:TaxExclusiveAmount"] == "BT-109"
    assert mapping["cac:InvoiceLine"] == "BG-25"
    # UBL-CR-646 names no term; its test concerns invoice lines (BG-25)
    terms = business_terms(
        rule_id="UBL-CR-646",
        message="[UBL-CR-646]-A UBL invoice should not include the InvoiceLine SubInvoiceLine",
        test="not(cac:InvoiceLine/cac:SubInvoiceLine)",
        context="/ubl:Invoice",
        stylesheet=sheet,
    )
    assert terms == ("BG-25",)


def test_every_corpus_rule_finding_has_terms_when_the_rule_names_some() -> None:
    from xrechnung.validate import validate

    fragment = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:ID>1</cbc:ID></Invoice>"
    )
    report = validate(fragment, skip_schema=True)
    by_id = {f.id: f.business_terms for f in report.findings}
    assert by_id["BR-01"] == ("BT-24",)
    assert by_id["BR-05"] == ("BT-5",)
    assert by_id["BR-08"] == ("BG-5",)
