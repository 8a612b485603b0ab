"""Celery tasks: one-line wrappers around idempotent services."""

from __future__ import annotations

from celery import shared_task


# acks_late + reject_on_worker_lost: a worker killed mid-validation leaves the message unacked,
# the broker redelivers it, and the idempotent service finishes the job exactly once.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invoice_validate_task(invoice_id: int) -> str:
    from invoicing.services.validation import invoice_validate_queued

    return invoice_validate_queued(invoice_id=invoice_id)


# One message for the invoices of one bulk intake, delivered as reliably as the task above (a
# redelivered run skips what is settled); an invoice it cannot settle gets a task of its own.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def invoice_validate_queued_many_task(invoice_ids: list[int]) -> None:
    from invoicing.services.validation import invoice_validate_queued_many

    for invoice_id in invoice_validate_queued_many(invoice_ids=invoice_ids):
        invoice_validate_task.delay(invoice_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def rejection_notice_send_task(notice_id: int) -> None:
    from invoicing.services.rejection import rejection_notice_send

    rejection_notice_send(notice_id=notice_id)


@shared_task(acks_late=True)
def invoice_mail_fetch_task() -> int:
    from invoicing.services.mail import mailboxes_fetch

    return mailboxes_fetch()


@shared_task(acks_late=True)
def bulk_job_run_task(job_id: int) -> None:
    from invoicing.services.bulk import bulk_job_run

    bulk_job_run(job_id=job_id)
