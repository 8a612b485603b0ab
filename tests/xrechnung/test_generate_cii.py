"""XRechnung CII and EN 16931 CII (Factur-X) generation against the official rules."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.xrechnung import samples
from tests.xrechnung.rulecheck import check, errors
from xrechnung.generate import EN16931, to_cii
from xrechnung.model import PrecedingInvoice, XRechnungModelError

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_xrechnung_cii_has_no_findings(name: str) -> None:
    invoice = samples.ALL[name]()
    findings = check(to_cii(invoice), scenario="xrechnung-cii", xsd="cii")
    assert findings == []


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_facturx_en16931_profile_has_no_errors(name: str) -> None:
    # given a model, written as EN 16931 CII (the Factur-X EN16931 profile)
    invoice = samples.ALL[name]()
    xml = to_cii(invoice, guideline_id=EN16931)
    # when checked with the Factur-X profile XSD, EN 16931 CII and the Factur-X Schematron
    findings = check(xml, scenario="facturx-en16931", xsd="facturx-en16931")
    # then no errors; the only possible warning is the empty ApplicableHeaderTradeDelivery the
    # CII schema demands when the model has no delivery information at all
    assert errors(findings) == []
    allowed = set() if invoice.delivery else {"PEPPOL-EN16931-R008"}
    assert {f.id for f in findings} <= allowed


def test_cii_carries_french_public_buyer_references() -> None:
    root = etree.fromstring(to_cii(samples.german_to_french_public()))
    agreement = root.find("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement", NS)
    assert agreement is not None
    assert agreement.findtext("ram:BuyerReference", namespaces=NS) == "SERV-FIN-01"
    assert (
        agreement.findtext("ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS)
        == "EJ-2026-000123"
    )
    siret = agreement.find("ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", NS)
    assert siret is not None
    assert (siret.text, siret.get("schemeID")) == ("21670482500019", "0009")


def test_cii_refuses_two_preceding_invoices() -> None:
    invoice = samples.credit_note()
    invoice.preceding_invoices.append(PrecedingInvoice(number="RE-2026-0002"))
    with pytest.raises(XRechnungModelError, match="BG-3"):
        to_cii(invoice)
