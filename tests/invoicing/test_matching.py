"""Matching against bids.Contract (fails loudly until the bids app provides the model)."""

from decimal import Decimal

import pytest
from django.utils import translation

from invoicing.errors import MatchingError
from invoicing.models import Invoice
from invoicing.services.intake import invoice_receive
from invoicing.services.matching import invoice_match, invoice_override_mismatch
from invoicing.services.validation import invoice_validate
from tests.invoicing.factories import invoice_xml, make_contract
from workflows.selectors import audit_trail_for

pytestmark = pytest.mark.django_db


def _received(buyer, supplier, **kw) -> Invoice:
    invoice = invoice_receive(
        buyer=buyer, source=invoice_xml(seller=supplier, buyer=buyer, **kw), channel="api"
    ).invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    return invoice


def test_invoice_naming_the_contract_matches_by_itself(de_buyer, de_supplier):
    contract = make_contract(
        authority=de_buyer, supplier=de_supplier, reference="VG-1", order_reference="BEST-1"
    )
    invoice = _received(de_buyer, de_supplier, contract_reference="VG-1", order_reference="BEST-1")
    assert invoice.state == Invoice.State.MATCHED
    assert invoice.contract_id == contract.pk
    assert all(row["ok"] for row in invoice.match_result)
    fields = {row["field"] for row in invoice.match_result}
    assert {
        "contract_reference",
        "buyer_reference",
        "order_reference",
        "seller",
        "currency",
        "amount",
    } <= fields


def test_mismatches_are_shown_field_by_field_and_overridden_with_a_reason(
    de_buyer, de_supplier, staff
):
    make_contract(
        authority=de_buyer,
        supplier=de_supplier,
        reference="VG-2",
        order_reference="BEST-2",
        value_net=Decimal("800.00"),
    )
    invoice = _received(
        de_buyer,
        de_supplier,
        contract_reference="VG-2",
        order_reference="BEST-X",
        amount=Decimal("1000.00"),
    )
    assert invoice.state == Invoice.State.VALID
    bad = {row["field"]: row for row in invoice.match_result if not row["ok"]}
    assert set(bad) == {"order_reference", "amount"}
    assert bad["order_reference"]["expected"] == "BEST-2"
    assert bad["order_reference"]["actual"] == "BEST-X"
    with translation.override("en"), pytest.raises(MatchingError, match="Unresolved"):
        invoice_match(invoice_id=invoice.pk, actor=staff["clerk"])
    with translation.override("de"), pytest.raises(MatchingError, match="Ungeklärte Abweichungen"):
        invoice_match(invoice_id=invoice.pk, actor=staff["clerk"])
    with translation.override("en"), pytest.raises(MatchingError, match="reason"):
        invoice_override_mismatch(
            invoice_id=invoice.pk, field="amount", reason="", actor=staff["clerk"]
        )
    invoice_override_mismatch(
        invoice_id=invoice.pk,
        field="amount",
        reason="Nachtrag Nr. 1 genehmigt",
        actor=staff["clerk"],
    )
    invoice_override_mismatch(
        invoice_id=invoice.pk,
        field="order_reference",
        reason="Bestellnummer telefonisch bestätigt",
        actor=staff["clerk"],
    )
    invoice = invoice_match(invoice_id=invoice.pk, actor=staff["clerk"])
    assert invoice.state == Invoice.State.MATCHED
    actions = [e.action for e in audit_trail_for(obj=invoice)]
    assert actions.count("invoicing.invoice.mismatch_overridden") == 2
    assert actions[-1] == "invoicing.invoice.matched"


def test_remaining_value_counts_earlier_invoices(de_buyer, de_supplier):
    make_contract(
        authority=de_buyer, supplier=de_supplier, reference="VG-3", value_net=Decimal("1500.00")
    )
    first = _received(de_buyer, de_supplier, number="R-1", contract_reference="VG-3")
    assert first.state == Invoice.State.MATCHED
    second = _received(de_buyer, de_supplier, number="R-2", contract_reference="VG-3")
    assert second.state == Invoice.State.VALID
    amount = next(r for r in second.match_result if r["field"] == "amount")
    assert not amount["ok"]
    assert "500.00" in amount["expected"]


def test_other_sellers_invoice_does_not_match_the_contract(de_buyer, de_supplier, fr_supplier):
    make_contract(authority=de_buyer, supplier=de_supplier, reference="VG-4")
    invoice = _received(de_buyer, fr_supplier, contract_reference="VG-4")
    seller = next(r for r in invoice.match_result if r["field"] == "seller")
    assert not seller["ok"]
    assert invoice.state == Invoice.State.VALID
