"""Invoices whose validation message never arrived are validated by the deadline timer.

Intake queues the validation task after its commit. If that message is lost before a worker
acknowledges it (the broker was down at that moment, the web process died between the commit
and the send), the task's own retries never start and a resend of the same bytes returns the
stored invoice without queueing again: the invoice would wait in ``received`` for ever. Every
timer tick therefore validates, inline and idempotently, the invoices that have waited longer
than ``ZUSCHLAG_VALIDATION_CATCH_UP_MINUTES`` (10): far longer than a healthy queue takes, so
the timer does not race the workers, and a late task afterwards finds the report and stops.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from invoicing.models import Invoice
from invoicing.services.validation import invoice_validate

# Per tick: a backlog after a long outage is worked off over several ticks, not in one.
CATCH_UP_PER_TICK = 200


def catch_up_after() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "ZUSCHLAG_VALIDATION_CATCH_UP_MINUTES", 10)))


def validation_overdue(now: datetime) -> list[int]:
    """Invoices still waiting for validation long after they arrived, oldest first."""
    return list(
        Invoice.objects.filter(
            state__in=[Invoice.State.RECEIVED, Invoice.State.VALIDATING],
            duplicate_of__isnull=True,
            received_at__lte=now - catch_up_after(),
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:CATCH_UP_PER_TICK]
    )


def validation_catch_up(invoice_id: int) -> None:
    invoice_validate(invoice_id=invoice_id)  # a no-op for an invoice settled in the meantime
