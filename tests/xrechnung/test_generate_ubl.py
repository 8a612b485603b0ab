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
    xml = to_ubl(invoice, customization_id=EN16931)
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


def test_french_seller_identified_by_siret_and_siren() -> None:
    root = etree.fromstring(to_ubl(samples.french_to_german_reverse_charge()))
    party = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert party is not None
    siret = party.find("cac:PartyIdentification/cbc:ID", NS)
    siren = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert siret is not None
    assert siren is not None
    assert (siret.text, siret.get("schemeID")) == ("73282932000074", "0009")
    assert (siren.text, siren.get("schemeID")) == ("732829320", "0002")
    category = root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=NS)
    assert category == VatCategory.REVERSE_CHARGE.value
    notes = [n.text for n in root.findall("cbc:Note", NS)]
    assert any(n.startswith("#PMT#") for n in notes)


def test_direct_debit_carries_creditor_id_as_sepa_identifier() -> None:
    root = etree.fromstring(to_ubl(samples.direct_debit()))
    ids = root.findall("cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID", NS)
    assert [(i.text, i.get("schemeID")) for i in ids] == [("DE98ZZZ09999999999", "SEPA")]
    mandate = root.find("cac:PaymentMeans/cac:PaymentMandate", NS)
    assert mandate is not None
    assert mandate.findtext("cbc:ID", namespaces=NS) == "MANDAT-0815"


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


def test_direct_debit_without_mandate_is_refused() -> None:
    invoice = samples.direct_debit()
    assert invoice.payment is not None
    invoice.payment.mandate_reference = None
    with pytest.raises(XRechnungModelError, match="BR-DE-30"):
        to_ubl(invoice)


def test_not_subject_with_vat_id_is_refused() -> None:
    invoice = samples.not_subject()
    invoice.seller.vat_id = "DE136695976"
    with pytest.raises(XRechnungModelError, match="BR-O-02"):
        to_ubl(invoice)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda inv: setattr(inv.payment, "iban", "DE02120300000000202052"), "IBAN"),
        (
            lambda inv: setattr(inv.buyer.electronic_address, "value", "04011000-12345-04"),
            "Leitweg",
        ),
        (lambda inv: setattr(inv.seller, "vat_id", "DE136695977"), "VAT"),
    ],
)
def test_wrong_check_digits_are_refused_before_writing(change, message: str) -> None:  # type: ignore[no-untyped-def]
    invoice = samples.domestic_german()
    change(invoice)
    with pytest.raises(XRechnungModelError, match=message):
        to_ubl(invoice)


def test_wrong_siret_is_refused() -> None:
    invoice = samples.german_to_french_public()
    assert invoice.buyer.legal_registration is not None
    invoice.buyer.legal_registration.value = "21670482500018"
    with pytest.raises(XRechnungModelError, match="SIRET"):
        to_ubl(invoice)


def test_attachment_rules_are_checked() -> None:
    from xrechnung.model import SupportingDocument

    invoice = samples.domestic_german()
    invoice.attachments.append(
        SupportingDocument(id="X", content=b"x", mime_code="application/zip", filename="x.zip")
    )
    with pytest.raises(XRechnungModelError, match="BR-CL-24"):
        to_ubl(invoice)
    invoice.attachments[-1] = SupportingDocument(
        id="Y", content=b"y", mime_code="application/pdf", filename="stundennachweis.pdf"
    )
    with pytest.raises(XRechnungModelError, match="BR-DE-22"):
        to_ubl(invoice)


def test_credit_note_carries_project_as_additional_document_50() -> None:
    root = etree.fromstring(to_ubl(samples.credit_note()))
    refs = {
        r.findtext("cbc:DocumentTypeCode", namespaces=NS): r.findtext("cbc:ID", namespaces=NS)
        for r in root.findall("cac:AdditionalDocumentReference", NS)
    }
    assert refs["50"] == "PRJ-9"
    assert root.find("cac:ProjectReference", NS) is None
    assert root.findtext("cac:OriginatorDocumentReference/cbc:ID", namespaces=NS) == (
        "VG-2026-17-LOS-1"
    )


def test_skonto_is_written_in_the_xrechnung_form() -> None:
    root = etree.fromstring(to_ubl(samples.domestic_german()))
    note = root.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS)
    assert note == (
        "#SKONTO#TAGE=10#PROZENT=3.00#\n"
        "#SKONTO#TAGE=20#PROZENT=1.50#BASISBETRAG=1000.00#\n"
        "Zahlbar innerhalb von 30 Tagen."
    )


def test_free_terms_that_look_like_skonto_are_refused() -> None:
    invoice = samples.domestic_german()
    invoice.payment_terms = "#SKONTO#TAGE=10#PROZENT=3#"
    with pytest.raises(XRechnungModelError, match="early_payment_discounts"):
        to_ubl(invoice)


def test_seller_without_any_identifier_is_refused() -> None:
    invoice = samples.swiss_seller_with_representative()
    invoice.seller.legal_registration = None
    with pytest.raises(XRechnungModelError, match="BR-CO-26"):
        to_ubl(invoice)


def test_tax_representative_and_payee_are_written() -> None:
    root = etree.fromstring(to_ubl(samples.swiss_seller_with_representative()))
    assert root.findtext("cac:PayeeParty/cac:PartyName/cbc:Name", namespaces=NS) == (
        "Factoring Bank AG"
    )
    rep = root.find("cac:TaxRepresentativeParty", NS)
    assert rep is not None
    assert rep.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "DE811569869"


def test_tax_point_date_and_code_exclude_each_other() -> None:
    from datetime import date

    invoice = samples.credit_note()
    invoice.tax_point_date = date(2026, 11, 25)
    with pytest.raises(XRechnungModelError, match="BR-CO-03"):
        to_ubl(invoice)
    invoice.tax_point_date = None
    invoice.tax_point_date_code = "99"
    with pytest.raises(XRechnungModelError, match="BR-CL-06"):
        to_ubl(invoice)
