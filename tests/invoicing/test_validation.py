"""Validation with the real xrechnung engine; exactly one report per invoice; rejection notices."""

import pytest
from django.core import mail

from invoicing.models import Invoice, RejectionNotice, ValidationReport
from invoicing.services.intake import invoice_receive
from invoicing.services.validation import invoice_validate
from invoicing.services.workflow import invoice_reject
from invoicing.tasks import invoice_validate_task
from tests.invoicing.factories import invoice_xml

pytestmark = pytest.mark.django_db


def _broken(data: bytes) -> bytes:
    # Without BT-10 an XRechnung breaks BR-DE-15; a wrong total breaks BR-CO-15.
    import re

    data = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", data)
    return data.replace(
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1190.00',
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1191.00',
    )


def test_valid_invoice_gets_one_report_in_three_formats(de_buyer, de_supplier):
    invoice = invoice_receive(
        buyer=de_buyer, source=invoice_xml(seller=de_supplier, buyer=de_buyer), channel="api"
    ).invoice
    invoice_validate_task.delay(invoice.pk)
    invoice.refresh_from_db()
    report = invoice.validation_report
    assert report.verdict == "accept", report.report_json["findings"]
    assert report.error_count == 0
    assert invoice.state in (Invoice.State.VALID, Invoice.State.MATCHED)
    assert report.document_sha256 == invoice.document.sha256
    assert "http://www.xoev.de/de/validator/varl/1" in report.report_xml
    assert "<html" in report.report_html.lower()
    assert report.report_json["verdict"] == "accept"


def test_validating_twice_stores_exactly_one_result(de_buyer, de_supplier):
    invoice = invoice_receive(
        buyer=de_buyer, source=invoice_xml(seller=de_supplier, buyer=de_buyer), channel="api"
    ).invoice
    invoice_validate(invoice_id=invoice.pk)
    first = ValidationReport.objects.get(invoice=invoice)
    invoice_validate(invoice_id=invoice.pk)
    invoice_validate_task.delay(invoice.pk)
    assert ValidationReport.objects.filter(invoice=invoice).count() == 1
    assert ValidationReport.objects.get(invoice=invoice).pk == first.pk


def test_redelivered_task_finishes_an_invoice_left_in_validating(de_buyer, de_supplier):
    # given a worker that died after committing received → validating
    invoice = invoice_receive(
        buyer=de_buyer, source=invoice_xml(seller=de_supplier, buyer=de_buyer), channel="api"
    ).invoice
    invoice.begin_validation(by=None)
    invoice.save(update_fields=["state"])
    # when the broker redelivers the task
    invoice_validate_task.delay(invoice.pk)
    # then it completes with one report
    invoice.refresh_from_db()
    assert invoice.state in (Invoice.State.VALID, Invoice.State.MATCHED)
    assert ValidationReport.objects.filter(invoice=invoice).count() == 1


def test_duplicates_are_not_validated(de_buyer, de_supplier):
    invoice_receive(
        buyer=de_buyer,
        source=invoice_xml(seller=de_supplier, buyer=de_buyer, number="D-1"),
        channel="api",
    )
    dup = invoice_receive(
        buyer=de_buyer,
        source=invoice_xml(seller=de_supplier, buyer=de_buyer, number="D-1", fmt="xrechnung-cii"),
        channel="api",
    ).invoice
    invoice_validate(invoice_id=dup.pk)
    dup.refresh_from_db()
    assert dup.state == Invoice.State.RECEIVED
    assert not ValidationReport.objects.filter(invoice=dup).exists()


def test_invalid_invoice_is_rejected_with_a_notice_in_the_suppliers_language(
    de_buyer, fr_supplier, staff, django_capture_on_commit_callbacks
):
    # given a French supplier's XRechnung without the Leitweg-ID and with a wrong total
    data = _broken(invoice_xml(seller=fr_supplier, buyer=de_buyer, number="FA-9"))
    invoice = invoice_receive(buyer=de_buyer, source=data, channel="api").invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.INVALID
    report = invoice.validation_report
    ids = {f["id"] for f in report.findings}
    assert "BR-DE-15" in ids
    # when the clerk rejects it
    with django_capture_on_commit_callbacks(execute=True):
        invoice_reject(invoice_id=invoice.pk, actor=staff["clerk"], reason="Bitte korrigieren")
    # then the supplier gets a French notice naming every finding, with a PDF
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.REJECTED
    notice = RejectionNotice.objects.get(invoice=invoice)
    assert notice.language == "fr"
    assert "rejetée" in notice.subject
    for finding in report.findings:
        assert finding["id"] in notice.body_text
    assert "Référence acheteur" in notice.body_text
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["factures@rhenane.example"]
    assert sent.attachments[0][2] == "application/pdf"
    assert sent.attachments[0][1].startswith(b"%PDF")
    assert notice.sent_at is not None


def test_german_supplier_gets_german_notice(de_buyer, de_supplier, staff):
    data = _broken(invoice_xml(seller=de_supplier, buyer=de_buyer, number="RE-9"))
    invoice = invoice_receive(buyer=de_buyer, source=data, channel="api").invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice_reject(invoice_id=invoice.pk, actor=staff["clerk"])
    notice = RejectionNotice.objects.get(invoice=invoice)
    assert notice.language == "de"
    assert "Käuferreferenz" in notice.body_text


def test_only_the_clerk_can_reject(de_buyer, de_supplier, staff):
    from procurement.core.errors import TransitionForbiddenError

    data = _broken(invoice_xml(seller=de_supplier, buyer=de_buyer))
    invoice = invoice_receive(buyer=de_buyer, source=data, channel="api").invoice
    invoice_validate(invoice_id=invoice.pk)
    with pytest.raises(TransitionForbiddenError):
        invoice_reject(invoice_id=invoice.pk, actor=staff["approver"])
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.INVALID


def test_supplier_resubmits_after_rejection(client, de_buyer, de_supplier, staff):
    from invoicing.services.supplier import supplier_resubmit
    from procurement.core.roles import Role
    from tests.factories import person

    invoice = invoice_receive(
        buyer=de_buyer,
        source=_broken(invoice_xml(seller=de_supplier, buyer=de_buyer, number="RS-1")),
        channel="api",
    ).invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice_reject(invoice_id=invoice.pk, actor=staff["clerk"])
    user = person(de_supplier, Role.BIDDER_USER)
    # the supplier sees the notice on its page and uploads the corrected invoice there
    client.force_login(user)
    page = client.get(f"/supplier/invoices/{invoice.public_id}/")
    assert "Käuferreferenz" in page.content.decode()
    import io

    corrected = io.BytesIO(invoice_xml(seller=de_supplier, buyer=de_buyer, number="RS-1"))
    corrected.name = "rs-1.xml"
    response = client.post(f"/supplier/invoices/{invoice.public_id}/", {"file": corrected})
    assert response.status_code == 302
    new = Invoice.objects.exclude(pk=invoice.pk).get()
    assert new.resubmission_of == invoice
    assert new.duplicate_of is None  # the rejected one does not count as a duplicate
    assert new.supplier == de_supplier
    # nobody else can resubmit, and a valid invoice cannot be "resubmitted"
    other = person(de_buyer, Role.AP_CLERK)
    from procurement.core.errors import TransitionForbiddenError

    with pytest.raises(TransitionForbiddenError):
        supplier_resubmit(invoice_id=invoice.pk, actor=other, source=b"<x/>", filename="x.xml")


def test_hostile_xml_is_received_as_is_and_rejected_without_network(de_buyer):
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM '
        b'"http://127.0.0.1:1/leak">]><Invoice xmlns="urn:oasis:names:specification:ubl:'
        b'schema:xsd:Invoice-2">&x;</Invoice>'
    )
    invoice = invoice_receive(buyer=de_buyer, source=hostile, channel="api").invoice
    assert "DTD" in invoice.extraction_error
    invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.INVALID
    assert invoice.validation_report.verdict == "reject"


def test_a_crash_mid_validation_leaves_nothing_half_done(de_buyer, de_supplier, monkeypatch):
    from invoicing import engine

    invoice = invoice_receive(
        buyer=de_buyer, source=invoice_xml(seller=de_supplier, buyer=de_buyer), channel="api"
    ).invoice

    def crash(data):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(engine, "validate", crash)
    with pytest.raises(RuntimeError):
        invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.RECEIVED
    assert not ValidationReport.objects.filter(invoice=invoice).exists()
    monkeypatch.undo()
    invoice_validate(invoice_id=invoice.pk)  # the redelivered task
    assert ValidationReport.objects.filter(invoice=invoice).count() == 1


def test_validation_locks_the_contract_before_the_audit_chain_and_writes_the_invoice_once(
    de_buyer, de_supplier
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.invoicing.factories import make_contract
    from workflows.models import AuditEvent

    # given a received invoice naming a concluded contract
    make_contract(authority=de_buyer, supplier=de_supplier, reference="VG-LOCK")
    invoice = invoice_receive(
        buyer=de_buyer,
        source=invoice_xml(
            seller=de_supplier, buyer=de_buyer, number="LO-1", contract_reference="VG-LOCK"
        ),
        channel="api",
    ).invoice

    # when it is validated
    with CaptureQueriesContext(connection) as queries:
        invoice = invoice_validate(invoice_id=invoice.pk)

    # then it is matched in one transaction: the contract is looked up (and locked) before the
    # first audit append takes the chain lock, so validation holds that lock as briefly as it
    # can and in the same order as every other path (invoice, contract, audit chain)
    assert invoice.state == Invoice.State.MATCHED
    sql = [q["sql"] for q in queries.captured_queries]
    contract_read = next(
        i
        for i, s in enumerate(sql)
        if s.startswith("SELECT") and '"bids_contract"' in s.split(" FROM ", 1)[1].split(" ", 1)[0]
    )
    first_audit = next(i for i, s in enumerate(sql) if "workflows_audit" in s)
    assert contract_read < first_audit
    assert sum(s.startswith('UPDATE "invoicing_invoice"') for s in sql) == 1
    events = AuditEvent.objects.filter(object_id=str(invoice.pk)).order_by("sequence")
    assert [e.transition for e in events] == ["begin_validation", "accept", "match"]
