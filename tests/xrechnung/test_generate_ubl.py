"""XRechnung UBL generation: every sample model validates with zero errors and zero warnings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from tests.xrechnung import samples
from tests.xrechnung.rulecheck import check, errors
from xrechnung.generate import EN16931, to_ubl
from xrechnung.model import VatCategory, XRechnungModelError

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


def _xsd(invoice) -> str:  # type: ignore[no-untyped-def]
    return "ubl-creditnote" if invoice.is_credit_note else "ubl-invoice"


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_xrechnung_ubl_has_no_findings(name: str) -> None:
    # given a model of a realistic German/French case
    invoice = samples.ALL[name]()
    # when it is written as XRechnung UBL and checked with the official XSD and Schematron
    findings = check(to_ubl(invoice), scenario="xrechnung-ubl", xsd=_xsd(invoice))
    # then nothing at all is reported, not even a warning
    assert findings == []


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_plain_en16931_ubl_has_no_errors(name: str) -> None:
    invoice = samples.ALL[name]()
    xml = to_ubl(invoice, customization_id=EN16931, profile_id=None)
    assert errors(check(xml, scenario="en16931-ubl", xsd=_xsd(invoice))) == []


def test_credit_note_is_a_ubl_creditnote_with_billing_reference() -> None:
    xml = to_ubl(samples.credit_note())
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    ref = root.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    assert ref is not None
    assert ref.findtext("cbc:ID", namespaces=NS) == "RE-2026-0001"
    assert root.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS) is not None


def test_mixed_currency_carries_bt6_and_bt111() -> None:
    root = etree.fromstring(to_ubl(samples.mixed_currency()))
    assert root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "CHF"
    assert root.findtext("cbc:TaxCurrencyCode", namespaces=NS) == "EUR"
    amounts = {
        el.get("currencyID"): Decimal(el.text)
        for el in root.findall("cac:TaxTotal/cbc:TaxAmount", NS)
    }
    assert set(amounts) == {"CHF", "EUR"}
    assert amounts["EUR"] == (amounts["CHF"] * Decimal("1.0652")).quantize(Decimal("0.01"))


def test_french_seller_identified_by_siret_scheme_0009() -> None:
    root = etree.fromstring(to_ubl(samples.french_to_german_reverse_charge()))
    legal = root.find(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS
    )
    assert legal is not None
    assert (legal.text, legal.get("schemeID")) == ("73282932000074", "0009")
    category = root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=NS)
    assert category == VatCategory.REVERSE_CHARGE.value


def test_inconsistent_model_is_refused_with_rule() -> None:
    invoice = samples.domestic_german()
    invoice.lines[0].vat_rate = None
    with pytest.raises(XRechnungModelError, match="BR-S-05"):
        to_ubl(invoice)


def test_reverse_charge_without_exemption_reason_is_refused() -> None:
    invoice = samples.french_to_german_reverse_charge()
    invoice.vat_exemptions = []
    with pytest.raises(XRechnungModelError, match="BR-AE-10"):
        to_ubl(invoice)


def test_not_subject_with_vat_id_is_refused() -> None:
    invoice = samples.not_subject()
    invoice.seller.vat_id = "DE136695976"
    with pytest.raises(XRechnungModelError, match="BR-O-02"):
        to_ubl(invoice)
