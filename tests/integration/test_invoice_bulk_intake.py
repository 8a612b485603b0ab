"""POST /api/invoices/bulk/ with a real prefork worker on PostgreSQL + Redis: one task message
for the request, every invoice validated exactly once, also when the message is delivered again."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from invoicing.models import Invoice, ValidationReport
from invoicing.tasks import invoice_validate_queued_many_task
from tests.invoicing.factories import ap_staff, german_authority, german_supplier, invoice_xml
from workflows.models import AuditEvent
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.integration


def test_a_bulk_request_is_validated_by_the_worker_once_per_invoice(live_celery_worker):
    # given a clerk sending eight invoices, a file of another type and one invoice twice
    buyer, supplier = german_authority(), german_supplier()
    client = Client()
    client.force_login(ap_staff(buyer)["clerk"])
    sent = [invoice_xml(seller=supplier, buyer=buyer, number=f"BULK-W{n}") for n in range(8)]
    files = [SimpleUploadedFile(f"{n}.xml", data) for n, data in enumerate(sent)]
    files += [
        SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n"),
        SimpleUploadedFile("again.xml", sent[0]),
    ]

    # when they are posted in one request
    response = client.post("/api/invoices/bulk/", {"files": files})

    # then the worker validates each new invoice once, with its two transitions
    assert response.status_code == 207, response.content
    assert [r["status"] for r in response.json()["results"]] == [201] * 8 + [400, 200]
    invoices = list(Invoice.objects.filter(buyer=buyer).order_by("pk"))
    assert len(invoices) == 8
    live_celery_worker.wait_for(
        lambda: ValidationReport.objects.filter(invoice__in=invoices).count() == 8,
        timeout=120,
        what="the reports of the bulk request",
    )

    # and the same message delivered again (a worker lost before it acknowledged) changes nothing
    invoice_validate_queued_many_task.delay([i.pk for i in invoices]).get(timeout=90)
    content_type = ContentType.objects.get_for_model(Invoice)
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.state == Invoice.State.VALID
        assert ValidationReport.objects.filter(invoice=invoice).count() == 1
        transitions = AuditEvent.objects.filter(
            content_type=content_type, object_id=str(invoice.pk)
        ).values_list("transition", flat=True)
        assert sorted(transitions) == ["accept", "begin_validation"]
    assert audit_chain_verify().ok
