"""Invoice validation in a real prefork celery worker on PostgreSQL + Redis.

One test function on purpose: the worker process caches ContentType ids, and pytest-django's
flush between transactional tests recreates them with new ids, so a second test whose worker
writes audit events would hit a stale cache (reported to the workflows owner).
"""

import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from invoicing.models import Invoice, ValidationReport
from invoicing.services.intake import invoice_receive
from invoicing.tasks import invoice_validate_task
from tests.invoicing.factories import german_authority, german_supplier, invoice_xml
from workflows.models import AuditEvent
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.integration


def test_validation_in_the_worker_acks_late_and_exactly_one_result(live_celery_worker):
    buyer, supplier = german_authority(), german_supplier()

    # 1. intake queues the task on commit; the worker (another process) runs the engine
    invoice = invoice_receive(
        buyer=buyer, source=invoice_xml(seller=supplier, buyer=buyer), channel="api"
    ).invoice
    report = live_celery_worker.wait_for(
        lambda: ValidationReport.objects.filter(invoice=invoice).first(),
        timeout=90,
        what="the validation report written by the worker",
    )
    assert report.verdict == "accept", report.report_json["findings"]
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.VALID

    # 2. the same task sent six times, run by two worker processes at once: one result
    many = invoice_receive(
        buyer=buyer,
        source=invoice_xml(seller=supplier, buyer=buyer, number="MANY-1"),
        channel="api",
    ).invoice
    results = [invoice_validate_task.delay(many.pk) for _ in range(6)]
    assert {r.get(timeout=90) for r in results} == {"valid"}
    assert ValidationReport.objects.filter(invoice=many).count() == 1

    # 3. an invoice an earlier run left in "validating"; the message was not acked
    # (acks_late, reject_on_worker_lost), the broker redelivers it, the worker finishes it
    assert invoice_validate_task.acks_late
    assert invoice_validate_task.reject_on_worker_lost
    lost = invoice_receive(
        buyer=buyer,
        source=invoice_xml(seller=supplier, buyer=buyer, number="LOST-1"),
        channel="api",
    ).invoice
    live_celery_worker.wait_for(
        lambda: ValidationReport.objects.filter(invoice=lost).exists(),
        timeout=90,
        what="first validation of LOST-1",
    )
    ValidationReport.objects.filter(invoice=lost).delete()  # test set-up: as if never written
    Invoice.objects.filter(pk=lost.pk).update(state=Invoice.State.VALIDATING)
    assert invoice_validate_task.delay(lost.pk).get(timeout=90) == "valid"
    assert ValidationReport.objects.filter(invoice=lost).count() == 1

    # 4. a burst: the two worker processes take waiting invoices on in batches (claimed with
    # SKIP LOCKED), every invoice's own task still runs; each invoice ends with one report and
    # one pair of transitions on an intact chain
    burst = [
        invoice_receive(
            buyer=buyer,
            source=invoice_xml(seller=supplier, buyer=buyer, number=f"BURST-{n}"),
            channel="api",
        ).invoice
        for n in range(12)
    ]
    live_celery_worker.wait_for(
        lambda: ValidationReport.objects.filter(invoice__in=burst).count() == len(burst),
        timeout=120,
        what="the reports of the burst",
    )
    content_type = ContentType.objects.get_for_model(Invoice)
    for invoice in burst:
        assert ValidationReport.objects.filter(invoice=invoice).count() == 1
        transitions = AuditEvent.objects.filter(
            content_type=content_type, object_id=str(invoice.pk)
        ).values_list("transition", flat=True)
        assert sorted(transitions) == ["accept", "begin_validation"]
    assert audit_chain_verify().ok

    # 5. the worker keeps its database connections between tasks (CELERY_DB_REUSE_MAX; celery's
    # Django fixup would otherwise close them after every task and PostgreSQL start a new
    # backend for the next one)
    def worker_backends() -> set[int]:
        time.sleep(1.0)  # a connection closed after the task would be gone by now
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return {pid for (pid,) in cursor.fetchall()}

    before = worker_backends()
    later = invoice_receive(
        buyer=buyer,
        source=invoice_xml(seller=supplier, buyer=buyer, number="REUSE-1"),
        channel="api",
    ).invoice
    live_celery_worker.wait_for(
        lambda: ValidationReport.objects.filter(invoice=later).exists(),
        timeout=90,
        what="the report of REUSE-1",
    )
    assert before, "no worker connection outlived its task"
    assert before & worker_backends(), "the next task did not reuse a worker connection"
