"""Actions on many invoices, run by a task, with progress the inbox page polls."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicing.errors import InvoiceForbiddenError
from invoicing.models import BulkJob, Invoice
from procurement.core.errors import DomainError
from procurement.core.models import Organisation
from procurement.core.roles import Role, has_role


def bulk_job_create(
    *, buyer: Organisation, action: str, invoice_ids: list[int], actor: Any
) -> BulkJob:
    """Queue ``action`` for the chosen invoices of ``buyer``'s inbox (others are ignored)."""
    if action not in BulkJob.Action.values:
        raise InvoiceForbiddenError(_("Unknown bulk action %(action)s.") % {"action": repr(action)})
    if not has_role(actor, buyer, [Role.AP_CLERK, Role.AP_APPROVER]):
        raise InvoiceForbiddenError(_("Only accounts-payable staff of the buyer can do this."))
    ids = list(
        Invoice.objects.filter(buyer=buyer, pk__in=invoice_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    job = BulkJob.objects.create(buyer=buyer, action=action, created_by=actor, invoice_ids=ids)
    from invoicing.tasks import bulk_job_run_task

    transaction.on_commit(lambda: bulk_job_run_task.delay(job.pk))
    return job


def _apply(action: str, invoice_id: int, actor: Any) -> None:
    from invoicing.services import workflow
    from invoicing.services.matching import invoice_match
    from invoicing.services.validation import invoice_validate

    if action == BulkJob.Action.VALIDATE:
        invoice_validate(invoice_id=invoice_id, actor=actor)
    elif action == BulkJob.Action.MATCH:
        invoice_match(invoice_id=invoice_id, actor=actor)
    elif action == BulkJob.Action.APPROVE:
        workflow.invoice_approve(invoice_id=invoice_id, actor=actor)
    elif action == BulkJob.Action.MARK_PAID:
        workflow.invoice_mark_paid(invoice_id=invoice_id, actor=actor)


def bulk_job_run(*, job_id: int) -> BulkJob:
    """Work through the job; each invoice in its own transaction, skipping those already done
    (a redelivered task resumes where it stopped)."""
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished_at is not None:
        return job
    # Invoices are worked in list order, so a redelivered task resumes after the last counted.
    for invoice_id in job.invoice_ids[job.done + job.failed :]:
        try:
            _apply(job.action, invoice_id, job.created_by)
        except DomainError as exc:
            with transaction.atomic():
                locked = BulkJob.objects.select_for_update().get(pk=job.pk)
                locked.errors[str(invoice_id)] = exc.message
                locked.failed = F("failed") + 1
                locked.save(update_fields=["errors", "failed"])
            continue
        BulkJob.objects.filter(pk=job.pk).update(done=F("done") + 1)
    BulkJob.objects.filter(pk=job.pk).update(finished_at=timezone.now())
    job.refresh_from_db()
    return job
