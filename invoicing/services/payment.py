"""Release for payment: SEPA pain.001.001.09 credit transfers and the bookkeeping CSV.

The CSV layout is documented in docs/invoicing.md ("Bookkeeping export"); change both together.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm
from lxml import etree

from invoicing.errors import InvoiceForbiddenError, InvoiceStateError, PaymentDataError
from invoicing.models import Invoice, PaymentRun, StoredDocument
from invoicing.services.storage import document_store_bytes
from procurement.core.models import Organisation
from procurement.core.money import CENT

PAIN_VERSION = "pain.001.001.09"
PAIN_NS = f"urn:iso:std:iso:20022:tech:xsd:{PAIN_VERSION}"

CSV_COLUMNS = [
    "message_id",
    "execution_date",
    "end_to_end_id",
    "invoice_id",
    "kind",
    "invoice_number",
    "issue_date",
    "due_date",
    "supplier_name",
    "supplier_vat_id",
    "supplier_legal_id",
    "creditor_iban",
    "creditor_bic",
    "currency",
    "net_amount",
    "tax_amount",
    "gross_amount",
    "payable_amount",
    "signed_amount",
    "contract_reference",
    "buyer_reference",
    "order_reference",
    "document_sha256",
]


def pain_xsd_path() -> Path:
    """The official pain.001.001.09 XSD as shipped by the ``sepaxml`` package (not copied)."""
    import sepaxml

    path = Path(sepaxml.__file__).parent / "schemas" / f"{PAIN_VERSION}.xsd"
    if not path.is_file():
        raise RuntimeError(f"{path} missing: install sepaxml>=2.6 for the ISO 20022 schemas")
    return path


_SCHEMA: etree.XMLSchema | None = None


def pain_schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        _SCHEMA = etree.XMLSchema(etree.parse(str(pain_xsd_path()), parser))
    return _SCHEMA


@dataclass
class Transfer:
    """One credit transfer: all invoices (minus credit notes) of one creditor account+currency."""

    end_to_end_id: str
    creditor: str
    iban: str
    bic: str
    currency: str
    invoices: list[Invoice] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        total = Decimal("0")
        for invoice in self.invoices:
            total += signed_amount(invoice)
        return total.quantize(CENT)

    @property
    def remittance(self) -> str:
        return ("RE " + " ".join(i.number for i in self.invoices if i.number))[:140]


def signed_amount(invoice: Invoice) -> Decimal:
    amount = invoice.payable_amount or Decimal("0")
    return -amount if invoice.kind == Invoice.Kind.CREDIT_NOTE else amount


def _group(invoices: list[Invoice]) -> list[Transfer]:
    groups: OrderedDict[tuple[str, str], Transfer] = OrderedDict()
    for invoice in invoices:
        iban = invoice.seller_iban or (invoice.supplier.iban if invoice.supplier else "")
        if not iban:
            raise PaymentDataError(
                _(
                    "Invoice %(number)s: no payee IBAN (BT-84) in the invoice or supplier "
                    "record; it cannot be paid by credit transfer."
                )
                % {"number": invoice.number}
            )
        key = (iban, invoice.currency)
        if key not in groups:
            groups[key] = Transfer(
                end_to_end_id=uuid.uuid4().hex[:35],
                creditor=invoice.seller_name[:140],
                iban=iban,
                bic=invoice.seller_bic or (invoice.supplier.bic if invoice.supplier else ""),
                currency=invoice.currency,
            )
        groups[key].invoices.append(invoice)
    for transfer in groups.values():
        if transfer.amount <= 0:
            raise PaymentDataError(
                _(
                    "Credit notes to %(creditor)s (%(currency)s) exceed the invoices released "
                    "with them; release them together with invoices that cover them."
                )
                % {"creditor": transfer.creditor, "currency": transfer.currency}
            )
    return list(groups.values())


def _e(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PAIN_NS}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def pain001(
    *, buyer: Organisation, transfers: list[Transfer], message_id: str, execution_date: date
) -> bytes:
    """pain.001.001.09: one payment information block per currency; EUR ones as SEPA."""
    if not buyer.iban:
        raise PaymentDataError(
            _("%(buyer)s has no debtor IBAN; set it before paying.") % {"buyer": buyer.name}
        )
    root = etree.Element(f"{{{PAIN_NS}}}Document", nsmap={None: PAIN_NS})
    initiation = _e(root, "CstmrCdtTrfInitn")
    header = _e(initiation, "GrpHdr")
    _e(header, "MsgId", message_id)
    _e(header, "CreDtTm", timezone.now().replace(microsecond=0).isoformat())
    _e(header, "NbOfTxs", str(len(transfers)))
    _e(header, "CtrlSum", f"{sum((t.amount for t in transfers), Decimal('0')):f}")
    _e(_e(header, "InitgPty"), "Nm", buyer.name[:140])
    by_currency: OrderedDict[str, list[Transfer]] = OrderedDict()
    for transfer in transfers:
        by_currency.setdefault(transfer.currency, []).append(transfer)
    for index, (currency, items) in enumerate(by_currency.items(), start=1):
        info = _e(initiation, "PmtInf")
        _e(info, "PmtInfId", f"{message_id[:30]}-{index}")
        _e(info, "PmtMtd", "TRF")
        _e(info, "BtchBookg", "true")
        _e(info, "NbOfTxs", str(len(items)))
        _e(info, "CtrlSum", f"{sum((t.amount for t in items), Decimal('0')):f}")
        # SEPA credit transfers are EUR only; other currencies go as ordinary transfers.
        if currency == "EUR":
            _e(_e(_e(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
        _e(_e(info, "ReqdExctnDt"), "Dt", execution_date.isoformat())
        _e(_e(info, "Dbtr"), "Nm", buyer.name[:140])
        _e(_e(_e(info, "DbtrAcct"), "Id"), "IBAN", buyer.iban.replace(" ", ""))
        _agent(_e(info, "DbtrAgt"), buyer.bic)
        _e(info, "ChrgBr", "SLEV" if currency == "EUR" else "SHAR")
        for transfer in items:
            tx = _e(info, "CdtTrfTxInf")
            _e(_e(tx, "PmtId"), "EndToEndId", transfer.end_to_end_id)
            _e(_e(tx, "Amt"), "InstdAmt", f"{transfer.amount:f}", Ccy=currency)
            if transfer.bic:
                _agent(_e(tx, "CdtrAgt"), transfer.bic)
            _e(_e(tx, "Cdtr"), "Nm", transfer.creditor or "—")
            _e(_e(_e(tx, "CdtrAcct"), "Id"), "IBAN", transfer.iban)
            _e(_e(tx, "RmtInf"), "Ustrd", transfer.remittance or "—")
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    schema = pain_schema()
    parsed = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    if not schema.validate(parsed):
        raise PaymentDataError(f"pain.001 does not match its schema: {schema.error_log.last_error}")
    return data


def _agent(parent: etree._Element, bic: str | None) -> None:
    institution = _e(parent, "FinInstnId")
    if bic:
        _e(institution, "BICFI", bic.replace(" ", "").upper())
    else:
        # SEPA since 2016 (IBAN-only): the agent is identified as not provided.
        _e(_e(institution, "Othr"), "Id", "NOTPROVIDED")


def bookkeeping_csv(*, transfers: list[Transfer], message_id: str, execution_date: date) -> bytes:
    """One row per invoice or credit note, ';'-separated UTF-8, '.' decimals (docs/invoicing.md)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for transfer in transfers:
        for invoice in transfer.invoices:
            writer.writerow(
                [
                    message_id,
                    execution_date.isoformat(),
                    transfer.end_to_end_id,
                    str(invoice.public_id),
                    invoice.kind,
                    invoice.number,
                    invoice.issue_date.isoformat() if invoice.issue_date else "",
                    invoice.due_date.isoformat() if invoice.due_date else "",
                    invoice.seller_name,
                    invoice.seller_vat_id,
                    invoice.seller_legal_id,
                    transfer.iban,
                    transfer.bic,
                    invoice.currency,
                    _amount(invoice.net_amount),
                    _amount(invoice.tax_amount),
                    _amount(invoice.gross_amount),
                    _amount(invoice.payable_amount),
                    _amount(signed_amount(invoice)),
                    invoice.contract_reference,
                    invoice.buyer_reference,
                    invoice.order_reference,
                    invoice.sha256,
                ]
            )
    return buffer.getvalue().encode("utf-8")


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value).quantize(CENT):f}"


@transaction.atomic
def payment_run_create(
    *,
    buyer: Organisation,
    invoice_ids: list[int],
    actor: Any,
    execution_date: date | None = None,
) -> PaymentRun:
    """Release approved invoices: write pain.001 + CSV (archived with SHA-256), then
    ``approved → released`` for each. All or nothing.

    Raises ``InvoiceStateError`` (not approved), ``InvoiceForbiddenError`` (not an AP approver of
    the buyer), ``PaymentDataError`` (missing IBAN, credit notes exceeding invoices).
    """
    if not invoice_ids:
        raise InvoiceStateError(_("Choose at least one approved invoice to release."))
    # Lock in pk order: two concurrent releases cannot deadlock, and the second sees "released".
    invoices = list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"))
    if len(invoices) != len(set(invoice_ids)):
        raise InvoiceStateError(_("Some invoices do not exist."))
    for invoice in invoices:
        if invoice.buyer_id != buyer.pk:
            raise InvoiceForbiddenError(
                _("Invoice %(number)s belongs to another buyer.") % {"number": invoice.number}
            )
        if invoice.state != Invoice.State.APPROVED:
            raise InvoiceStateError(
                _("Invoice %(number)s is %(state)s; only approved invoices are released.")
                % {"number": invoice.number, "state": invoice.get_state_display()}
            )
        if not has_transition_perm(invoice.release, actor):
            raise InvoiceForbiddenError(_("Only an AP approver of the buyer can release payments."))
    suppliers = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in={i.supplier_id for i in invoices if i.supplier_id}
        )
    }
    for invoice in invoices:
        invoice.supplier = suppliers.get(invoice.supplier_id)
    execution_date = execution_date or timezone.localdate()
    message_id = f"ZS-{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    transfers = _group(invoices)
    xml = pain001(
        buyer=buyer, transfers=transfers, message_id=message_id, execution_date=execution_date
    )
    table = bookkeeping_csv(
        transfers=transfers, message_id=message_id, execution_date=execution_date
    )
    totals: dict[str, str] = {}
    for transfer in transfers:
        totals[transfer.currency] = str(
            Decimal(totals.get(transfer.currency, "0")) + transfer.amount
        )
    run = PaymentRun.objects.create(
        buyer=buyer,
        message_id=message_id,
        created_by=actor,
        execution_date=execution_date,
        pain001=document_store_bytes(
            data=xml,
            purpose=StoredDocument.Purpose.PAYMENT,
            content_type="application/xml",
            actor=actor,
            original_name=f"{message_id}.xml",
        ),
        bookkeeping_csv=document_store_bytes(
            data=table,
            purpose=StoredDocument.Purpose.BOOKING,
            content_type="text/csv",
            actor=actor,
            original_name=f"{message_id}.csv",
        ),
        transaction_count=len(transfers),
        totals=totals,
    )
    for invoice in invoices:
        invoice.release(by=actor, payment_run=run)
        invoice.save(update_fields=["state", "payment_run"])
    return run
