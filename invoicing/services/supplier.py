"""Supplier side: an invoice written from a concluded contract, sent to the buyer's inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from invoicing import engine
from invoicing.errors import InvoiceForbiddenError, UnsupportedFormatError
from invoicing.models import Invoice
from invoicing.selectors import contract_get
from invoicing.services.intake import Received, invoice_receive
from procurement.core.models import Organisation
from procurement.core.roles import BIDDER_ROLES, has_role

FORMATS = {
    "xrechnung-ubl": _("XRechnung 3.0 (UBL)"),
    "xrechnung-cii": _("XRechnung 3.0 (UN/CEFACT CII)"),
    "facturx": _("Factur-X / ZUGFeRD PDF (EN 16931)"),
}


@dataclass(kw_only=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    vat_category: str = "S"
    vat_rate: Decimal | None = None


def _m():
    from xrechnung import model

    return model


def _party(org: Organisation, *, seller: bool, contact: Any = None) -> Any:
    m = _m()
    address = m.Address(
        line1=org.street or None,
        city=org.city or None,
        postcode=org.postcode or None,
        country_code=org.country,
    )
    # French parties: SIRET (0009) identifies the establishment (BT-29/BT-46), the SIREN (0002)
    # is the legal registration (BT-30, required by BR-FR-10).
    legal = None
    identifiers = []
    if org.siret:
        identifiers.append(m.Identifier(value=org.siret, scheme="0009"))
    siren = org.siren or (org.siret[:9] if org.siret else "")
    if not seller and org.siret:
        legal = m.Identifier(value=org.siret, scheme="0009")  # Chorus Pro: the buyer's SIRET
    elif siren:
        legal = m.Identifier(value=siren, scheme="0002")
    if seller:
        electronic = (
            m.Identifier(value=org.siret, scheme="0009")
            if org.siret
            else m.Identifier(value=org.email or "invoice@example.org", scheme="EM")
        )
    elif org.leitweg_id:
        electronic = m.Identifier(value=org.leitweg_id, scheme="0204")
    elif org.siret:
        electronic = m.Identifier(value=org.siret, scheme="0009")
    else:
        electronic = m.Identifier(value=org.email or "invoice@example.org", scheme="EM")
    return m.Party(
        name=org.name,
        address=address,
        legal_registration=legal,
        identifiers=identifiers if seller else [],
        vat_id=org.vat_id or None,
        electronic_address=electronic,
        contact=contact,
    )


def vat_category_for(*, seller: Organisation, buyer: Organisation, requested: str = "S") -> str:
    """Cross-border B2G services between EU VAT-registered parties: reverse charge (AE)."""
    if requested and requested != "S":
        return requested
    if seller.country != buyer.country and seller.vat_id and buyer.vat_id:
        return "AE"
    return "S"


def invoice_model_build(
    *,
    seller: Organisation,
    buyer: Organisation,
    number: str,
    issue_date: date,
    lines: list[LineInput],
    currency: str = "EUR",
    buyer_reference: str = "",
    order_reference: str = "",
    contract_reference: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    due_days: int = 30,
    type_code: str = "380",
    preceding_number: str = "",
    fmt: str = "",
) -> Any:
    """The EN 16931 invoice model for ``seller`` → ``buyer``; totals are computed by the engine."""
    m = _m()
    contact = m.Contact(
        name=contact_name or seller.name,
        phone=contact_phone or "+49 30 0000000",
        email=contact_email or seller.email or "invoice@example.org",
    )
    model_lines = []
    categories: set[str] = set()
    for index, line in enumerate(lines, start=1):
        category = vat_category_for(seller=seller, buyer=buyer, requested=line.vat_category)
        categories.add(category)
        zero_rated = category in {"AE", "K", "E", "Z", "G"}
        rate = None if category == "O" else (Decimal("0") if zero_rated else line.vat_rate)
        model_lines.append(
            m.Line(
                id=str(index),
                name=line.description[:200],
                quantity=Decimal(line.quantity),
                unit_code=line.unit_code or "C62",
                unit_price=Decimal(line.unit_price),
                vat_category=m.VatCategory(category),
                vat_rate=rate,
            )
        )
    exemptions = []
    texts = {
        "AE": ("Steuerschuldnerschaft des Leistungsempfängers / Autoliquidation", "VATEX-EU-AE"),
        "K": ("Innergemeinschaftliche Lieferung / Livraison intracommunautaire", "VATEX-EU-IC"),
        "E": ("Steuerbefreit / Exonéré", None),
        "G": ("Ausfuhr / Exportation", "VATEX-EU-G"),
        "O": ("Nicht steuerbar / Non soumis", "VATEX-EU-O"),
    }
    for category in sorted(categories):
        if category in texts:
            reason, code = texts[category]
            exemptions.append(
                m.VatExemption(category=m.VatCategory(category), reason=reason, code=code)
            )
    delivery = (
        m.Delivery(
            date=issue_date,
            address=m.Address(
                line1=buyer.street or None,
                city=buyer.city or None,
                postcode=buyer.postcode or None,
                country_code=buyer.country,
            ),
        )
        if categories & {"K", "AE"}
        else m.Delivery(date=issue_date)
    )
    payment = (
        m.PaymentInstructions(
            means_code="58",
            iban=(seller.iban or "").replace(" ", "") or None,
            bic=seller.bic or None,
            account_name=seller.name,
            remittance_information=number,
        )
        if seller.iban
        else None
    )
    extra: dict[str, Any] = {}
    notes: list[Any] = []
    if "FR" in (seller.country, buyer.country):
        # French CTC rules (BR-FR-05): recovery fee, late-payment penalties, discount mentions.
        notes = [
            m.Note(
                subject_code="PMT",
                text="Indemnité forfaitaire pour frais de recouvrement "
                "en cas de retard de paiement : 40 EUR.",
            ),
            m.Note(
                subject_code="PMD", text="Pénalités de retard : trois fois le taux d'intérêt légal."
            ),
            m.Note(subject_code="AAB", text="Pas d'escompte pour paiement anticipé."),
        ]
    if fmt == "facturx" and seller.country == "FR":
        extra["business_process"] = "M1"  # French billing mode (BR-FR-08): mixed goods/services
    return m.Invoice(
        **extra,
        notes=notes,
        number=number,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        seller=_party(seller, seller=True, contact=contact),
        buyer=_party(buyer, seller=False),
        lines=model_lines,
        currency=currency,
        type_code=type_code,
        buyer_reference=buyer_reference or buyer.leitweg_id or buyer.service_code or None,
        order_reference=order_reference or None,
        contract_reference=contract_reference or None,
        payment=payment,
        delivery=delivery,
        vat_exemptions=exemptions,
        payment_terms=_("Payable within %(days)s days.") % {"days": due_days},
        preceding_invoices=[m.PrecedingInvoice(number=preceding_number)]
        if preceding_number
        else [],
    )


def contract_lines(*, contract: Any) -> list[LineInput]:
    """The contract's lines as invoice lines (the supplier may edit quantities), or one line for
    the contract value when the contract has no lines."""
    related = getattr(contract, "lines", None)
    rows = list(related.all()) if related is not None else []
    if rows:
        return [
            LineInput(
                description=row.description,
                quantity=Decimal(row.quantity),
                unit_code=getattr(row, "unit_code", "") or "C62",
                unit_price=Decimal(row.unit_price),
                vat_category=getattr(row, "vat_category", "") or "S",
                vat_rate=(
                    Decimal(row.vat_rate)
                    if getattr(row, "vat_rate", None) is not None
                    else contract.vat_rate
                ),
            )
            for row in rows
        ]
    return [
        LineInput(
            description=str(contract.reference),
            quantity=Decimal("1"),
            unit_code="C62",
            unit_price=Decimal(contract.value_net),
            vat_rate=contract.vat_rate if contract.vat_rate is not None else Decimal("19"),
        )
    ]


def supplier_invoice_create(
    *,
    contract_id: int,
    actor: Any,
    number: str,
    issue_date: date,
    fmt: str,
    lines: list[LineInput] | None = None,
    contact_phone: str = "",
) -> Received:
    """Write the invoice for a concluded contract in ``fmt`` and submit it to the buyer's inbox.

    Raises ``InvoiceForbiddenError`` unless ``actor`` is a bidder user/admin of the contract's
    supplier, ``UnsupportedFormatError`` for an unknown format, and ``EngineUnavailableError``
    while the engine lacks the writer.
    """
    contract = contract_get(contract_id=contract_id)
    if contract is None or not has_role(actor, contract.supplier_id, BIDDER_ROLES):
        raise InvoiceForbiddenError(_("Only users of the contract's supplier can invoice it."))
    if contract.state != "concluded":
        raise InvoiceForbiddenError(_("Only concluded contracts can be invoiced."))
    if fmt not in FORMATS:
        raise UnsupportedFormatError(
            _("Unknown invoice format %(format)s.") % {"format": repr(fmt)}, field="format"
        )
    model = invoice_model_build(
        seller=contract.supplier,
        buyer=contract.authority,
        number=number,
        issue_date=issue_date,
        lines=lines or contract_lines(contract=contract),
        currency=contract.currency or "EUR",
        buyer_reference=contract.buyer_reference,
        order_reference=contract.order_reference,
        contract_reference=contract.reference,
        contact_name=actor.get_full_name() or actor.get_username(),
        contact_phone=contact_phone,
        contact_email=actor.email,
        fmt=fmt,
    )
    data, _content_type = engine.generate(model, fmt=fmt)
    suffix = "pdf" if fmt == "facturx" else "xml"
    return invoice_receive(
        buyer=contract.authority,
        source=data,
        channel=Invoice.Channel.PORTAL,
        actor=actor,
        filename=f"{number}.{suffix}",
        supplier=contract.supplier,
    )


def supplier_resubmit(*, invoice_id: int, actor: Any, source: Any, filename: str) -> Received:
    """A corrected invoice after a rejection: a new invoice linked to the rejected one."""
    rejected = Invoice.objects.select_related("buyer").get(pk=invoice_id)
    if rejected.supplier_id is None or not has_role(actor, rejected.supplier_id, BIDDER_ROLES):
        raise InvoiceForbiddenError(_("Only the supplier of this invoice can resubmit it."))
    if rejected.state != Invoice.State.REJECTED:
        raise InvoiceForbiddenError(_("Only rejected invoices can be resubmitted."))
    return invoice_receive(
        buyer=rejected.buyer,
        source=source,
        channel=Invoice.Channel.PORTAL,
        actor=actor,
        filename=filename,
        supplier=rejected.supplier,
        resubmission_of=rejected,
    )
