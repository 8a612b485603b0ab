"""Supplier side end to end, both directions: create → submit → validate → match → approve →
release; plus a mixed-currency contract. Needs bids.Contract (fails loudly without it)."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from invoicing.conf import four_eyes_above
from invoicing.models import Invoice
from invoicing.services.payment import pain_xsd_path, payment_run_create
from invoicing.services.storage import document_read
from invoicing.services.supplier import supplier_invoice_create
from invoicing.services.workflow import invoice_approve
from procurement.core.roles import Role
from tests.factories import person
from tests.invoicing.factories import make_contract

pytestmark = pytest.mark.django_db


def _through(invoice, staff, buyer):
    invoice.refresh_from_db()
    report = invoice.validation_report
    assert report.verdict == "accept", report.findings
    assert report.error_count == 0
    assert invoice.state == Invoice.State.MATCHED, invoice.match_result
    invoice = invoice_approve(invoice_id=invoice.pk, actor=staff["approver"])
    if invoice.amount_for_limits > four_eyes_above():
        assert invoice.state == Invoice.State.MATCHED  # four eyes: a second approver completes
        invoice = invoice_approve(invoice_id=invoice.pk, actor=staff["approver2"])
    assert invoice.state == Invoice.State.APPROVED
    run = payment_run_create(buyer=buyer, invoice_ids=[invoice.pk], actor=staff["approver"])
    schema = etree.XMLSchema(etree.parse(str(pain_xsd_path())))
    assert schema.validate(etree.fromstring(document_read(run.pain001)))
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.RELEASED
    return invoice


@pytest.mark.parametrize("fmt", ["xrechnung-ubl", "xrechnung-cii", "facturx"])
def test_french_supplier_to_german_authority(
    fmt, de_buyer, fr_supplier, staff, django_capture_on_commit_callbacks
):
    contract = make_contract(
        authority=de_buyer,
        supplier=fr_supplier,
        reference=f"VG-FR-{fmt}",
        order_reference="BEST-77",
        lines=[
            dict(
                description="Conseil en ingénierie",
                quantity=Decimal("4"),
                unit_code="DAY",
                unit_price=Decimal("950.00"),
                vat_category="S",
                vat_rate=Decimal("19"),
            )
        ],
    )
    user = person(fr_supplier, Role.BIDDER_USER)
    with django_capture_on_commit_callbacks(execute=True):
        received = supplier_invoice_create(
            contract_id=contract.pk,
            actor=user,
            number=f"FA-{fmt}",
            issue_date=date(2026, 11, 2),
            fmt=fmt,
            contact_phone="+33 3 88 00 00 00",
        )
    invoice = _through(received.invoice, staff, de_buyer)
    # SIREN/SIRET and FR VAT id identify the seller; reverse charge between EU businesses
    assert invoice.seller_legal_id == "732829320"  # SIREN (BT-30); SIRET in BT-29
    assert invoice.seller_vat_id == "FR44732829320"
    assert invoice.tax_amount == Decimal("0.00")
    assert invoice.net_amount == Decimal("3800.00")


@pytest.mark.parametrize("fmt", ["xrechnung-ubl", "facturx"])
def test_german_supplier_to_french_public_buyer(
    fmt, fr_buyer, de_supplier, fr_staff, django_capture_on_commit_callbacks
):
    contract = make_contract(
        authority=fr_buyer,
        supplier=de_supplier,
        reference=f"MARCHE-{fmt}",
        order_reference="ENG-2026-0042",
        buyer_reference="ACHATS-VOIRIE",
    )
    user = person(de_supplier, Role.BIDDER_USER)
    with django_capture_on_commit_callbacks(execute=True):
        received = supplier_invoice_create(
            contract_id=contract.pk,
            actor=user,
            number=f"RE-FR-{fmt}",
            issue_date=date(2026, 11, 3),
            fmt=fmt,
            contact_phone="+49 221 1234",
        )
    invoice = _through(received.invoice, fr_staff, fr_buyer)
    assert invoice.buyer_reference == "ACHATS-VOIRIE"
    assert invoice.order_reference == "ENG-2026-0042"


def test_mixed_currency_contract(de_buyer, de_supplier, staff, django_capture_on_commit_callbacks):
    contract = make_contract(
        authority=de_buyer,
        supplier=de_supplier,
        reference="VG-CHF",
        currency="CHF",
        value_net=Decimal("10000"),
    )
    user = person(de_supplier, Role.BIDDER_USER)
    with django_capture_on_commit_callbacks(execute=True):
        received = supplier_invoice_create(
            contract_id=contract.pk,
            actor=user,
            number="CHF-1",
            issue_date=date(2026, 11, 4),
            fmt="xrechnung-ubl",
            contact_phone="+49 221 1234",
        )
    invoice = _through(received.invoice, staff, de_buyer)
    assert invoice.currency == "CHF"


def test_only_the_contracts_supplier_can_invoice_it(de_buyer, de_supplier, fr_supplier):
    from procurement.core.errors import TransitionForbiddenError

    contract = make_contract(authority=de_buyer, supplier=de_supplier, reference="VG-X")
    stranger = person(fr_supplier, Role.BIDDER_USER)
    with pytest.raises(TransitionForbiddenError):
        supplier_invoice_create(
            contract_id=contract.pk,
            actor=stranger,
            number="X-1",
            issue_date=date(2026, 11, 4),
            fmt="xrechnung-ubl",
        )
    assert not Invoice.objects.exists()
