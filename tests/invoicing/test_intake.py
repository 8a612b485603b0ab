"""Intake: original bytes archived with SHA-256, idempotent by content, duplicates flagged."""

import hashlib
import io
from datetime import date

import pytest
from django.core.files.storage import storages
from django.utils import translation

from invoicing.errors import InvoiceTooLargeError, UnsupportedFormatError
from invoicing.models import Invoice, StoredDocument
from invoicing.services.intake import invoice_receive
from tests.invoicing.factories import invoice_xml

pytestmark = pytest.mark.django_db


def test_original_bytes_are_archived_unchanged_with_their_sha256(de_buyer, de_supplier, staff):
    # given an XRechnung UBL invoice
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="RE-100")
    # when it is uploaded
    received = invoice_receive(
        buyer=de_buyer,
        source=io.BytesIO(data),
        channel="upload",
        actor=staff["clerk"],
        filename="../../etc/passwd.xml",
    )
    # then the archive holds exactly those bytes, under a random name, with their hash
    invoice = received.invoice
    assert received.created
    doc = invoice.document
    assert doc.sha256 == hashlib.sha256(data).hexdigest() == invoice.sha256
    assert storages["documents"].open(doc.storage_name).read() == data
    assert "passwd" not in doc.storage_name
    assert doc.storage_name.startswith("invoices/")
    assert doc.content_type == "application/xml"
    # and the fields read from it point back to the document
    assert invoice.number == "RE-100"
    assert invoice.issue_date == date(2026, 11, 20)
    assert invoice.seller_vat_id == "DE136695976"
    assert invoice.supplier == de_supplier
    assert invoice.payable_amount == invoice.gross_amount
    assert str(invoice.net_amount) == "1000.00"
    assert invoice.state == Invoice.State.RECEIVED


def test_archived_document_cannot_be_changed_or_deleted(de_buyer, de_supplier):
    data = invoice_xml(seller=de_supplier, buyer=de_buyer)
    doc = invoice_receive(buyer=de_buyer, source=data, channel="api").invoice.document
    doc.original_name = "changed"
    with pytest.raises(ValueError, match="immutable"):
        doc.save()
    with pytest.raises(ValueError, match="immutable"):
        doc.delete()


def test_same_bytes_twice_are_one_invoice(de_buyer, de_supplier):
    data = invoice_xml(seller=de_supplier, buyer=de_buyer)
    first = invoice_receive(buyer=de_buyer, source=data, channel="api")
    second = invoice_receive(buyer=de_buyer, source=io.BytesIO(data), channel="upload")
    assert first.created
    assert not second.created
    assert first.invoice.pk == second.invoice.pk
    assert Invoice.objects.count() == 1
    assert StoredDocument.objects.filter(purpose="invoice").count() == 1


def test_same_seller_number_and_date_is_flagged_as_duplicate(de_buyer, de_supplier):
    # given an invoice, and the same invoice re-issued as a PDF-free CII (different bytes)
    ubl = invoice_xml(seller=de_supplier, buyer=de_buyer, number="RE-7")
    cii = invoice_xml(seller=de_supplier, buyer=de_buyer, number="RE-7", fmt="xrechnung-cii")
    first = invoice_receive(buyer=de_buyer, source=ubl, channel="api").invoice
    second = invoice_receive(buyer=de_buyer, source=cii, channel="api").invoice
    # then the second is kept (GoBD) but flagged and never validated
    assert second.pk != first.pk
    assert second.duplicate_of == first
    assert first.duplicate_of is None
    # a different number is no duplicate
    other = invoice_receive(
        buyer=de_buyer,
        source=invoice_xml(seller=de_supplier, buyer=de_buyer, number="RE-8"),
        channel="api",
    ).invoice
    assert other.duplicate_of is None


def test_content_type_is_sniffed_not_trusted(de_buyer):
    with translation.override("en"), pytest.raises(UnsupportedFormatError, match="neither XML"):
        invoice_receive(buyer=de_buyer, source=b"MZ\x90\x00 windows exe", channel="upload")
    with translation.override("de"), pytest.raises(UnsupportedFormatError, match="leer"):
        invoice_receive(buyer=de_buyer, source=b"", channel="upload")
    assert not StoredDocument.objects.exists()


def test_oversized_upload_is_refused_and_nothing_is_stored(de_buyer):
    big = io.BytesIO(b"<x>" + b"a" * 5000 + b"</x>")
    with pytest.raises(InvoiceTooLargeError):
        invoice_receive(buyer=de_buyer, source=big, channel="upload", max_bytes=1000)
    assert not StoredDocument.objects.exists()
    assert not Invoice.objects.exists()


def test_unreadable_xml_is_received_with_the_reason(de_buyer):
    invoice = invoice_receive(buyer=de_buyer, source=b"<not-an-invoice/>", channel="api").invoice
    assert invoice.state == Invoice.State.RECEIVED
    assert invoice.extraction_error
