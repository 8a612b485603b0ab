"""Validation of a received invoice with the xrechnung engine; exactly one result per invoice."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from invoicing import engine
from invoicing.errors import InvoiceForbiddenError, InvoiceStateError
from invoicing.models import Invoice, ValidationReport
from invoicing.services.storage import document_read

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
        accepted = result.accepted and not invoice.extraction_error
        checks = None
        if accepted:
            from invoicing.selectors import contracts_available
            from invoicing.services.matching import match_checks_locked

            if contracts_available():
                # Same transaction and row lock as the validation: saves a commit and a lock
                # round trip. The contract row is locked before the first audit append (lock
                # order invoice, contract, audit chain, as in every other path).
                checks = match_checks_locked(invoice=invoice, fresh=True)
            else:
                logger.warning("invoice %s valid; contract matching unavailable", invoice.pk)
        ValidationReport.objects.create(
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
        # The transitions (each appending to the audit chain, whose single lock is held from the
        # first append to the commit) come last, followed by one UPDATE: the chain waits least.
        if begin:
            invoice.begin_validation(by=actor)
        fields = ["state"]
        if accepted:
            invoice.accept(by=None, report_sha256=invoice.document.sha256)
        else:
            invoice.refuse(by=None, report_sha256=invoice.document.sha256, errors=result.errors)
        if checks is not None:
            from invoicing.services.matching import match_complete

            fields += ["contract_id", "match_result", *match_complete(invoice=invoice, rows=checks)]
        invoice.save(update_fields=list(dict.fromkeys(fields)))
    return invoice
