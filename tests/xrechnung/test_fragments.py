"""Rule-test fragments: no identifier, schema-invalid, unusual roots; every applicable rule runs."""

from __future__ import annotations

import pytest

from xrechnung.scenarios import XRECHNUNG_ID
from xrechnung.validate import validate

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
VEFA = "http://difi.no/xsd/vefa/validator/1.0"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def ids(data: str) -> set[str]:
    return {f.id for f in validate(data.encode(), skip_schema=True).findings}


def ubl(root: str, body: str, *, default_ns: str | None) -> str:
    ns = f' xmlns="{default_ns}"' if default_ns else ""
    return f'<{root}{ns} xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{body}</{root}>'


GERMAN_SELLER = (
    "<cac:AccountingSupplierParty><cac:Party><cac:PostalAddress><cac:Country>"
    "<cbc:IdentificationCode>DE</cbc:IdentificationCode>"
    "</cac:Country></cac:PostalAddress></cac:Party></cac:AccountingSupplierParty>"
)


@pytest.mark.parametrize(
    ("root", "default_ns"),
    [
        ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
        ("Invoice", VEFA),  # cut out of a VEFA test set: inherits the set's namespace
        ("Invoice", None),
        ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"),
        ("CreditNote", None),
    ],
)
def test_xrechnung_rules_run_on_fragments_whatever_the_root_namespace(
    root: str, default_ns: str | None
) -> None:
    body = f"<cbc:CustomizationID>{XRECHNUNG_ID}</cbc:CustomizationID>{GERMAN_SELLER}"
    found = ids(ubl(root, body, default_ns=default_ns))
    # BR-DE-1 (payment instructions) and BR-DE-15 (buyer reference) have the root as context
    assert {"BR-DE-1", "BR-DE-15", "BR-02", "BR-05"} <= found
    assert "BR-01" not in found  # the specification identifier is there
    # with payment instructions BR-DE-1 is satisfied
    paid = (
        body
        + "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode></cac:PaymentMeans>"
    )
    assert "BR-DE-1" not in ids(ubl(root, paid, default_ns=default_ns))


def test_fragment_without_identifier_runs_en16931_and_warns() -> None:
    report = validate(
        ubl("Invoice", "<cbc:ID>1</cbc:ID>", default_ns=None).encode(), skip_schema=True
    )
    assert report.scenario == "en16931-fallback"
    found = {f.id for f in report.findings}
    assert {"BR-01", "BR-03", "UNKNOWN-SPECIFICATION", "UNUSUAL-ROOT"} <= found
    assert not {i for i in found if i.startswith("BR-DE")}


def test_cii_fragment_with_outdated_xrechnung_id_runs_both_rule_sets() -> None:
    old = "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.0"
    xml = (
        f'<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}" xmlns:ram="{RAM}">'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        f"<ram:ID>{old}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        "</rsm:ExchangedDocumentContext></rsm:CrossIndustryInvoice>"
    )
    report = validate(xml.encode(), skip_schema=True)
    found = {f.id for f in report.findings}
    assert report.scenario == "xrechnung-outdated"
    assert {"XRECHNUNG-VERSION-OUTDATED", "BR-DE-21", "BR-02", "BR-DE-15"} <= found


def test_line_fragment_runs_line_rules() -> None:
    xml = (
        f'<cac:InvoiceLine xmlns:cac="{CAC}" xmlns:cbc="{CBC}"><cbc:ID>1</cbc:ID></cac:InvoiceLine>'
    )
    found = ids(xml)
    assert {"BR-22", "BR-25", "UNUSUAL-ROOT"} <= found  # quantity, item name


def test_schema_invalid_fragment_still_gets_business_rules() -> None:
    body = f"<cbc:CustomizationID>{XRECHNUNG_ID}</cbc:CustomizationID><cbc:Bogus>1</cbc:Bogus>"
    xml = ubl("Invoice", body, default_ns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
    strict = validate(xml.encode())
    assert {f.id for f in strict.findings} == {"XSD"}
    assert "BR-DE-15" in ids(xml)


def test_a_value_the_rules_cannot_compute_with_is_a_finding_not_a_crash(
    ubl_xrechnung_path,
) -> None:
    xml = ubl_xrechnung_path.read_bytes()
    start = xml.index(b"<cbc:PayableAmount")
    start = xml.index(b">", start) + 1
    end = xml.index(b"</cbc:PayableAmount>", start)
    broken = xml[:start] + b"abc" + xml[end:]
    # with the schema step the XSD catches it first
    assert {f.id for f in validate(broken).findings} == {"XSD"}
    # without, the EN 16931 stylesheet aborts; the XRechnung one still reports
    report = validate(broken, skip_schema=True)
    assert report.verdict == "reject"
    (error,) = [f for f in report.findings if f.id == "SCHEMATRON-RUNTIME-ERROR"]
    assert error.source == "en16931-ubl"
    assert "EN16931-UBL-validation.xsl" in error.message
    assert "abc" in error.message
