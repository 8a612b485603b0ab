"""What the supplier side generates validates with zero errors, both directions, every format."""

import pytest

from invoicing import engine
from tests.invoicing.factories import invoice_xml

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("direction", ["fr-to-de", "de-to-fr", "de-to-de"])
@pytest.mark.parametrize("fmt", ["xrechnung-ubl", "xrechnung-cii", "facturx"])
def test_generated_invoice_has_zero_errors(
    fmt, direction, de_buyer, fr_buyer, de_supplier, fr_supplier
):
    seller, buyer = {
        "fr-to-de": (fr_supplier, de_buyer),
        "de-to-fr": (de_supplier, fr_buyer),
        "de-to-de": (de_supplier, de_buyer),
    }[direction]
    data = invoice_xml(
        seller=seller, buyer=buyer, fmt=fmt, order_reference="ENG-2026-1", contract_reference="C-1"
    )
    result = engine.validate(data)
    errors = [
        (f["id"], f["message"])
        for f in result.as_json["findings"]
        if f["severity"] in ("error", "fatal")
    ]
    assert errors == []
    assert result.verdict == "accept"
    extracted = engine.extract(data)
    assert extracted.error == ""
    values = extracted.values
    if seller.country == "FR":
        assert values["seller_legal_id"] == "732829320"  # SIREN, BT-30 (BR-FR-10)
        assert values["seller_vat_id"] == "FR44732829320"
    if buyer.country == "FR":
        assert values["buyer_reference"] == "ACHATS-VOIRIE"  # service code as BT-10
        assert values["order_reference"] == "ENG-2026-1"  # engagement number as BT-13
        assert extracted.model.buyer.legal_registration.value == "21670482500019"  # SIRET
        assert extracted.model.buyer.legal_registration.scheme == "0009"
    if seller.country != buyer.country:
        assert values["tax_amount"] == 0  # reverse charge between EU businesses (AE)
