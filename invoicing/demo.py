"""Demo invoices in several states for the embedded mode (``make run``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from invoicing import engine
from invoicing.models import Invoice
from invoicing.services.intake import invoice_receive
from invoicing.services.supplier import LineInput, invoice_model_build
from invoicing.services.validation import invoice_validate
from invoicing.services.workflow import invoice_reject


def _xml(seller, buyer, number: str, amount: str, fmt: str = "xrechnung-ubl", **kw) -> bytes:
    model = invoice_model_build(
        seller=seller,
        buyer=buyer,
        number=number,
        issue_date=date(2026, 11, 2),
        lines=[
            LineInput(
                description="Leistung gemäß Vertrag",
                quantity=Decimal("1"),
                unit_code="C62",
                unit_price=Decimal(amount),
                vat_rate=Decimal("19"),
            )
        ],
        contact_phone="+49 30 1234567",
        fmt=fmt,
        **kw,
    )
    return engine.generate(model, fmt=fmt)[0]


def seed(context: Any) -> None:
    """A handful of invoices: valid (waiting for matching), invalid, rejected, a duplicate."""
    orgs, users = context.organisations, context.users
    stadt, musterbau, rhenane = orgs["stadt"], orgs["musterbau"], orgs["rhenane"]
    if Invoice.objects.filter(buyer=stadt).exists():
        return
    with transaction.atomic():
        received = [
            invoice_receive(
                buyer=stadt,
                source=_xml(musterbau, stadt, "RE-2026-0001", "1200"),
                channel="upload",
                actor=users["apclerk"],
                filename="re1.xml",
            ),
            invoice_receive(
                buyer=stadt,
                source=_xml(rhenane, stadt, "FA-2026-118", "3800", fmt="facturx"),
                channel="api",
                filename="fa118.pdf",
            ),
            invoice_receive(
                buyer=stadt,
                source=_xml(musterbau, stadt, "RE-2026-0002", "18500", fmt="xrechnung-cii"),
                channel="mail",
                filename="re2.xml",
            ),
        ]
        broken = _xml(musterbau, stadt, "RE-2026-0003", "99").replace(
            b"<cbc:BuyerReference>04011000-1234512345-06</cbc:BuyerReference>", b""
        )
        received.append(
            invoice_receive(buyer=stadt, source=broken, channel="api", filename="re3.xml")
        )
        received.append(
            invoice_receive(
                buyer=stadt,
                source=_xml(musterbau, stadt, "RE-2026-0001", "1200", fmt="xrechnung-cii"),
                channel="mail",
                filename="re1-again.xml",
            )
        )
    for item in received:
        try:
            invoice_validate(invoice_id=item.invoice.pk)
        except Exception:
            continue
    invalid = Invoice.objects.filter(buyer=stadt, state=Invoice.State.INVALID).first()
    if invalid is not None:
        invoice_reject(
            invoice_id=invalid.pk, actor=users["apclerk"], reason="Bitte Leitweg-ID angeben."
        )
    _from_contracts(users)


def _from_contracts(users: dict) -> None:
    """Suppliers invoice the concluded contracts other apps' demo data created (if any): one
    invoice stays matched, one is approved, one released and paid."""
    from invoicing.selectors import contract_model, contracts_available
    from invoicing.services.payment import payment_run_create
    from invoicing.services.supplier import supplier_invoice_create
    from invoicing.services.workflow import invoice_approve, invoice_mark_paid
    from procurement.core.models import Membership
    from procurement.core.roles import BIDDER_ROLES

    if not contracts_available():
        return
    contracts = (
        contract_model()
        .objects.filter(state="concluded")
        .select_related("authority", "supplier")[:3]
    )
    for index, contract in enumerate(contracts):
        member = Membership.objects.filter(
            organisation=contract.supplier, role__in=list(BIDDER_ROLES), active=True
        ).first()
        if member is None:
            continue
        fmt = ("xrechnung-ubl", "facturx", "xrechnung-cii")[index % 3]
        try:
            received = supplier_invoice_create(
                contract_id=contract.pk,
                actor=member.user,
                number=f"DEMO-{contract.pk}-1",
                issue_date=date(2026, 11, 10),
                fmt=fmt,
                contact_phone="+49 30 1234567",
            )
            invoice_validate(invoice_id=received.invoice.pk)
        except Exception:
            continue
        invoice = Invoice.objects.get(pk=received.invoice.pk)
        approvers = list(
            Membership.objects.filter(
                organisation=contract.authority, role="ap_approver", active=True
            )
        )
        if index == 0 or invoice.state != Invoice.State.MATCHED or not approvers:
            continue
        for membership in approvers[:2]:
            if invoice.state != Invoice.State.MATCHED:
                break
            invoice = invoice_approve(invoice_id=invoice.pk, actor=membership.user)
        if index == 2 and invoice.state == Invoice.State.APPROVED:
            payment_run_create(
                buyer=contract.authority, invoice_ids=[invoice.pk], actor=approvers[0].user
            )
            invoice_mark_paid(invoice_id=invoice.pk, actor=approvers[0].user)
