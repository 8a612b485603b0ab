"""Intake: web upload, REST API, mail-in and supplier portal all end here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from invoicing.engine import extract
from invoicing.models import Invoice, StoredDocument
from invoicing.services.storage import Spooled, document_store, documents_storage
from procurement.core.errors import DomainError
from procurement.core.models import Organisation


@dataclass(frozen=True)
class Received:
    invoice: Invoice
    created: bool  # False: the same bytes were already in this inbox (idempotent repeat)


def invoice_receive(
    *,
    buyer: Organisation,
    source: bytes | IO[bytes],
    channel: str,
    actor: Any = None,
    filename: str = "",
    supplier: Organisation | None = None,
    resubmission_of: Invoice | None = None,
    max_bytes: int | None = None,
) -> Received:
    """Store the bytes unchanged (SHA-256), read their fields, flag duplicates, queue validation.

    The same bytes sent twice to one inbox return the first invoice (``created=False``).
    Raises ``InvoiceTooLargeError`` (413) and ``UnsupportedFormatError`` (400, neither XML nor
    PDF, or empty); nothing is stored then.
    """
    received = _receive(
        buyer=buyer,
        source=source,
        channel=channel,
        actor=actor,
        filename=filename,
        supplier=supplier,
        resubmission_of=resubmission_of,
        max_bytes=max_bytes,
    )
    invoice = received.invoice
    if received.created and invoice.duplicate_of_id is None:
        from invoicing.tasks import invoice_validate_task

        transaction.on_commit(lambda: invoice_validate_task.delay(invoice.pk))
    return received


@dataclass(frozen=True)
class Refused:
    error: DomainError  # why this file was not received; nothing of it is stored


def invoice_receive_many(
    *,
    buyer: Organisation,
    files: Iterable[tuple[str, bytes | IO[bytes] | DomainError]],
    channel: str,
    actor: Any = None,
    supplier: Organisation | None = None,
) -> list[Received | Refused]:
    """Receive several files for one inbox, each exactly as ``invoice_receive`` would, in its
    own transaction; one answer per file, in their order.

    A file given as a ``DomainError`` (refused while it was read, e.g. over the size limit) and a
    file ``invoice_receive`` refuses are answered with ``Refused``; they store nothing and lose
    none of the others. The new invoices to validate are queued with one task message after
    the last file (``invoice_validate_queued_many_task``), which validates each exactly once.
    The caller has checked that ``actor`` may post to ``buyer``'s inbox (as a ``supplier``).
    """
    answers: list[Received | Refused] = []
    for filename, source in files:
        if isinstance(source, DomainError):
            answers.append(Refused(source))
            continue
        try:
            answers.append(
                _receive(
                    buyer=buyer,
                    source=source,
                    channel=channel,
                    actor=actor,
                    filename=filename[:200],
                    supplier=supplier,
                )
            )
        except DomainError as error:
            answers.append(Refused(error))
    waiting = [
        answer.invoice.pk
        for answer in answers
        if isinstance(answer, Received)
        and answer.created
        and answer.invoice.duplicate_of_id is None
    ]
    if waiting:
        from invoicing.tasks import invoice_validate_queued_many_task

        transaction.on_commit(lambda: invoice_validate_queued_many_task.delay(waiting))
    return answers


def _receive(
    *,
    buyer: Organisation,
    source: bytes | IO[bytes],
    channel: str,
    actor: Any,
    filename: str,
    supplier: Organisation | None,
    resubmission_of: Invoice | None = None,
    max_bytes: int | None = None,
) -> Received:
    """``invoice_receive`` without queueing the validation."""
    limit = max_bytes or settings.ZUSCHLAG_MAX_INVOICE_BYTES
    spooled = Spooled(source, limit=limit)
    try:
        existing = _existing(buyer=buyer, sha256=spooled.sha256)
        if existing is not None:
            return Received(existing, False)
        data = spooled.read()
        extracted = extract(data)
        stored: list[StoredDocument] = []
        try:
            with transaction.atomic():
                document = document_store(
                    spooled=spooled,
                    purpose=StoredDocument.Purpose.INVOICE,
                    actor=actor,
                    original_name=filename,
                )
                stored.append(document)
                invoice = _create(
                    buyer=buyer,
                    document=document,
                    channel=channel,
                    actor=actor,
                    supplier=supplier,
                    resubmission_of=resubmission_of,
                    extracted=extracted,
                )
        except IntegrityError:
            _forget(stored)
            # A concurrent request stored the same bytes first: answer with its invoice.
            existing = _existing(buyer=buyer, sha256=spooled.sha256)
            if existing is None:
                raise
            return Received(existing, False)
        except BaseException:
            _forget(stored)
            raise
    finally:
        spooled.close()
    return Received(invoice, True)


def _forget(stored: list[StoredDocument]) -> None:
    """Delete the archive files of a rolled-back intake: no row points at them any more."""
    # The row was written inside the atomic block the error left, so it is gone (a savepoint
    # rolled back inside an enclosing transaction included): the file must go as well.
    for document in stored:
        documents_storage().delete(document.storage_name)


def _existing(*, buyer: Organisation, sha256: str) -> Invoice | None:
    # Nearly every upload is new: ask for the key only, load the invoice when there is one.
    same = Invoice.objects.filter(buyer=buyer, sha256=sha256).values_list("pk", flat=True)
    pk = same.first()
    return None if pk is None else Invoice.objects.get(pk=pk)


def _create(*, buyer, document, channel, actor, supplier, resubmission_of, extracted) -> Invoice:
    values = dict(extracted.values)
    invoice = Invoice(
        buyer=buyer,
        document=document,
        sha256=document.sha256,
        channel=channel,
        received_by=actor if getattr(actor, "pk", None) else None,
        supplier=supplier,
        resubmission_of=resubmission_of,
        syntax=extracted.syntax,
        specification_id=extracted.specification_id[:200],
        extraction_error=extracted.error,
    )
    for name, value in values.items():
        if isinstance(value, str):
            max_length = Invoice._meta.get_field(name).max_length
            value = value[:max_length] if max_length else value
        setattr(invoice, name, value)
    # Keys only (the rows are loaded if someone asks): two narrow SELECTs on every intake.
    suppliers = _suppliers(invoice) if invoice.supplier_id is None else None
    if suppliers is not None:
        invoice.supplier_id = suppliers.values_list("pk", flat=True).first()
    duplicates = _duplicates(invoice)
    if duplicates is not None:
        invoice.duplicate_of_id = duplicates.values_list("pk", flat=True).first()
    if invoice.kind == Invoice.Kind.CREDIT_NOTE and invoice.preceding_number:
        invoice.corrects = _corrected(invoice)
    invoice.save()
    return invoice


def seller_filter(invoice: Invoice) -> Q | None:
    """Who the seller is: VAT id, else legal registration (SIRET/SIREN/register number)."""
    parts = Q()
    if invoice.seller_vat_id:
        parts |= Q(seller_vat_id=invoice.seller_vat_id)
    if invoice.seller_legal_id:
        parts |= Q(seller_legal_id=invoice.seller_legal_id)
    return parts if parts else None


def duplicate_find(*, invoice: Invoice) -> Invoice | None:
    """An earlier, not rejected invoice of the same seller with the same number and issue date."""
    candidates = _duplicates(invoice)
    return None if candidates is None else candidates.first()


def _duplicates(invoice: Invoice) -> QuerySet[Invoice] | None:
    seller = seller_filter(invoice)
    if seller is None or not invoice.number or invoice.issue_date is None:
        return None
    candidates = Invoice.objects.filter(
        seller,
        buyer=invoice.buyer,
        number=invoice.number,
        issue_date=invoice.issue_date,
        kind=invoice.kind,
    ).exclude(state=Invoice.State.REJECTED)
    if invoice.pk:
        candidates = candidates.exclude(pk=invoice.pk)
    return candidates.order_by("pk")


def supplier_recognise(*, invoice: Invoice) -> Organisation | None:
    """The supplier organisation whose VAT id or SIRET the invoice carries, if we know it."""
    operators = _suppliers(invoice)
    return None if operators is None else operators.first()


def _suppliers(invoice: Invoice) -> QuerySet[Organisation] | None:
    query = Q()
    if invoice.seller_vat_id:
        query |= Q(vat_id__iexact=invoice.seller_vat_id)
    if invoice.seller_legal_id and invoice.seller_legal_scheme in {"0009", ""}:
        query |= Q(siret=invoice.seller_legal_id)
    if invoice.seller_legal_id and invoice.seller_legal_scheme == "0002":
        query |= Q(siren=invoice.seller_legal_id)
    if not query:
        return None
    operators = Organisation.objects.filter(query, kind=Organisation.Kind.OPERATOR)
    return operators.order_by("pk")


def _corrected(invoice: Invoice) -> Invoice | None:
    seller = seller_filter(invoice)
    if seller is None:
        return None
    return (
        Invoice.objects.filter(
            seller,
            buyer=invoice.buyer,
            number=invoice.preceding_number,
            kind=Invoice.Kind.INVOICE,
        )
        .order_by("pk")
        .first()
    )
