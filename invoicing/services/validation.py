"""Validation of a received invoice with the xrechnung engine; exactly one result per invoice."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from invoicing import engine
from invoicing.conf import validation_batch
from invoicing.errors import InvoiceForbiddenError, InvoiceStateError
from invoicing.models import Invoice, ValidationReport
from invoicing.services.storage import document_read
from workflows.audit import appends_batched

logger = logging.getLogger(__name__)


def _wants_validation(invoice: Invoice, actor: Any) -> bool:
    """Whether a locked run would validate ``invoice`` as it is now (read without a lock)."""
    if invoice.duplicate_of_id is not None:
        return False
    if invoice.state == Invoice.State.RECEIVED:
        return actor is None or has_transition_perm(invoice.begin_validation, actor)
    return invoice.state == Invoice.State.VALIDATING


def invoice_validate(*, invoice_id: int, actor: Any = None) -> Invoice:
    """Validate the archived bytes and store the report with the invoice; idempotent.

    The engine runs first, outside any transaction: it reads the immutable archived bytes only,
    so no lock is held for the slow part (under the audit chain's single lock the two workers
    would otherwise take turns). Then one short transaction under the row lock re-checks the
    state and commits ``received → validating → valid | invalid`` (and the automatic match)
    with the report. A worker lost in the middle commits nothing, the unacknowledged task is
    redelivered and starts again; an invoice some earlier run left in ``validating`` is
    finished; an invoice that has its report is returned unchanged (a task run twice stores one
    report; a concurrent run's engine result is then simply discarded). Duplicates are never
    validated. Raises ``InvoiceForbiddenError`` when ``actor`` may not start validation,
    ``InvoiceStateError`` when it is not waiting for it.
    """
    result = None
    unlocked = (
        Invoice.objects.select_related("document")
        .annotate(has_report=Exists(ValidationReport.objects.filter(invoice_id=OuterRef("pk"))))
        .filter(pk=invoice_id)
        .first()
    )
    if unlocked is not None and not unlocked.has_report and _wants_validation(unlocked, actor):
        result = engine.validate(document_read(unlocked.document))
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("document")
            .get(pk=invoice_id)
        )
        if actor is not None and not has_transition_perm(invoice.begin_validation, actor):
            if invoice.state != Invoice.State.RECEIVED:
                raise InvoiceStateError(
                    _("Invoice %(invoice)s is %(state)s; only received invoices are validated.")
                    % {"invoice": invoice, "state": invoice.get_state_display()}
                )
            raise InvoiceForbiddenError(_("Only an AP clerk of the buyer can start validation."))
        if invoice.duplicate_of_id is not None:
            return invoice
        if invoice.state == Invoice.State.RECEIVED:
            # A report is only ever written together with leaving "validating": none exists.
            begin = True
        elif invoice.state != Invoice.State.VALIDATING:
            return invoice
        elif ValidationReport.objects.filter(invoice=invoice).exists():
            return invoice
        else:
            begin = False
        if result is None:
            # The state changed between the look and the lock (rare): validate under the lock.
            result = engine.validate(document_read(invoice.document))
        checks = _checks_locked(invoice, result)
        _report_create([(invoice, result)])
        _complete(invoice=invoice, result=result, checks=checks, begin=begin, actor=actor)
    return invoice


def invoice_validate_queued(*, invoice_id: int, batch: int | None = None) -> str:
    """What the validation task runs: validate the queued invoice and, in the same transaction,
    up to ``batch - 1`` (``ZUSCHLAG_VALIDATION_BATCH``) further received invoices that no other
    worker holds; returns the queued invoice's state.

    Every invoice keeps its own queued task, so a batch is only a shortcut: the claimed rows
    stay locked (``FOR UPDATE SKIP LOCKED``: two workers never claim the same invoice) until
    the batch commits their reports and transitions together, and a task whose invoice another
    batch holds claims a batch of its own, then waits for that lock before it decides about its
    invoice. The engine runs under the row locks only: the audit chain's lock is taken by the
    first transition, after every engine run and contract lock, and held to the commit. A batch
    lost with its worker commits nothing, and each of its invoices is then validated by its own
    (redelivered) task. An invoice the engine fails on is left out of the batch for its own task
    to retry; so is one that names a contract, whose match must lock the contract and check its
    remaining value one invoice at a time.
    """
    size = validation_batch() if batch is None else batch
    look = Invoice.objects.filter(pk=invoice_id).values_list("state", "duplicate_of_id").first()
    if look is None or size <= 1 or look[0] == Invoice.State.VALIDATING:
        return invoice_validate(invoice_id=invoice_id).state
    state, duplicate_of = look
    if duplicate_of is not None or state != Invoice.State.RECEIVED:
        return state  # committed: its validation is over (duplicates are never validated)
    settled = _validate_batch(invoice_id, size)
    if settled is not None:
        return settled
    with transaction.atomic():
        # Another worker's batch holds the invoice: wait for it to commit or roll back.
        state = (
            Invoice.objects.select_for_update(of=("self",))
            .values_list("state", flat=True)
            .get(pk=invoice_id)
        )
    if state in (Invoice.State.RECEIVED, Invoice.State.VALIDATING):
        return invoice_validate(invoice_id=invoice_id).state
    return state


def invoice_validate_queued_many(*, invoice_ids: list[int], batch: int | None = None) -> list[int]:
    """What the task of a bulk intake runs: ``invoice_validate_queued`` for each invoice in
    turn; returns the ids it could not settle, which the caller queues one task each.

    One message stands for all of the request's invoices: a run lost with its worker is
    redelivered and starts again, and each invoice validated before returns after one SELECT,
    so each is validated exactly once. Other workers' batches take on the same invoices
    meanwhile (``SKIP LOCKED``). An invoice whose validation fails loses none of the others:
    it is left to a task of its own, with that task's retries.
    """
    failed = []
    for invoice_id in invoice_ids:
        try:
            invoice_validate_queued(invoice_id=invoice_id, batch=batch)
        except Exception:
            logger.warning("invoice %s left for its own task", invoice_id, exc_info=True)
            failed.append(invoice_id)
    return failed


def _validate_batch(invoice_id: int, size: int) -> str | None:
    """Claim up to ``size`` received invoices (lowest first), validate and commit them together;
    the new state of ``invoice_id`` when it was among them."""
    with transaction.atomic():
        claimed = list(
            Invoice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("document")
            .filter(state=Invoice.State.RECEIVED, duplicate_of__isnull=True)
            .order_by("pk")[:size]
        )
        # Without its own invoice (another batch holds it, or older ones wait) the batch still
        # validates what it claimed; the caller then settles its own invoice.
        own = next((invoice for invoice in claimed if invoice.pk == invoice_id), None)
        validated: list[tuple[Invoice, engine.Validation]] = []
        with_contracts: dict[int, bool] = {}
        for invoice in claimed:
            if invoice is not own and _names_contract(invoice, with_contracts):
                continue
            try:
                result = engine.validate(document_read(invoice.document))
            except Exception:
                if invoice is own:
                    raise
                logger.warning(
                    "invoice %s left for its own task: the engine failed", invoice.pk, exc_info=True
                )
                continue
            validated.append((invoice, result))
        checks = [
            _checks_locked(invoice, result)
            if invoice is own
            else _checks_without_contract(invoice, result)
            for invoice, result in validated
        ]
        _report_create(validated)
        # Every transition still gets its own chain link; they are written together.
        with appends_batched():
            for (invoice, result), rows in zip(validated, checks, strict=True):
                _complete(invoice=invoice, result=result, checks=rows, begin=True, actor=None)
    return None if own is None else own.state


def _accepted(invoice: Invoice, result: engine.Validation) -> bool:
    return result.accepted and not invoice.extraction_error


def _checks_locked(invoice: Invoice, result: engine.Validation) -> list[dict[str, Any]] | None:
    """The contract checks of an accepted invoice (contract row locked), else ``None``."""
    if not _accepted(invoice, result):
        return None
    from invoicing.selectors import contracts_available
    from invoicing.services.matching import match_checks_locked

    if not contracts_available():
        logger.warning("invoice %s valid; contract matching unavailable", invoice.pk)
        return None
    # Same transaction and row lock as the validation: saves a commit and a lock round trip.
    # The contract row is locked before the first audit append (lock order invoice, contract,
    # audit chain, as in every other path).
    return match_checks_locked(invoice=invoice, fresh=True)


def _report_create(validated: list[tuple[Invoice, engine.Validation]]) -> None:
    """The reports of ``validated`` in one INSERT (the one-to-one key refuses a second)."""
    ValidationReport.objects.bulk_create(
        [
            ValidationReport(
                invoice=invoice,
                document_sha256=invoice.document.sha256,
                verdict=result.verdict,
                scenario=result.scenario[:200],
                error_count=result.errors,
                warning_count=result.warnings,
                report_json=result.as_json,
                report_xml=result.as_xml,
                report_html=result.as_html,
            )
            for invoice, result in validated
        ]
    )


def _complete(
    *,
    invoice: Invoice,
    result: engine.Validation,
    checks: list[dict[str, Any]] | None,
    begin: bool,
    actor: Any,
) -> None:
    """The transitions after the report is written, then one UPDATE of the locked invoice."""
    # The transitions (each appending to the audit chain, whose single lock is held from the
    # first append to the commit) come last, followed by one UPDATE: the chain waits least.
    if begin:
        invoice.begin_validation(by=actor)
    fields = ["state"]
    if _accepted(invoice, result):
        invoice.accept(by=None, report_sha256=invoice.document.sha256)
    else:
        invoice.refuse(by=None, report_sha256=invoice.document.sha256, errors=result.errors)
    if checks is not None:
        from invoicing.services.matching import match_complete

        fields += ["contract_id", "match_result", *match_complete(invoice=invoice, rows=checks)]
    invoice.save(update_fields=list(dict.fromkeys(fields)))


def _names_contract(invoice: Invoice, with_contracts: dict[int, bool]) -> bool:
    """Whether matching would find (and lock) a contract for ``invoice`` (read, no lock);
    ``with_contracts`` remembers per buyer whether it has any invoiceable contract at all."""
    from invoicing.selectors import contracts_available, contracts_for_buyer
    from invoicing.services.matching import contract_find

    if invoice.contract_id is not None:
        return True
    if not contracts_available():
        return False
    if invoice.buyer_id not in with_contracts:
        contracts = contracts_for_buyer(buyer_id=invoice.buyer_id)
        with_contracts[invoice.buyer_id] = contracts.exists()
    return with_contracts[invoice.buyer_id] and contract_find(invoice=invoice) is not None


def _checks_without_contract(
    invoice: Invoice, result: engine.Validation
) -> list[dict[str, Any]] | None:
    """The checks of an accepted invoice no contract fits (``_names_contract`` said so)."""
    if not _accepted(invoice, result):
        return None
    from invoicing.selectors import contracts_available
    from invoicing.services.matching import match_checks

    if not contracts_available():
        return None
    invoice.contract_id = None
    invoice.match_result = match_checks(invoice=invoice, contract=None)
    return invoice.match_result
