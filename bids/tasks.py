"""Celery wrappers around the bids services."""

from celery import shared_task

from bids.services.opening import opening_run


@shared_task
def opening_run_task(session_id: int) -> None:
    opening_run(session_id=session_id)  # idempotent and resumable
