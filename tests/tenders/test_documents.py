"""Documents: versioned, hashed, size- and type-checked; changes after publication notify."""

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from procurement.core.roles import Role
from tenders.errors import (
    DeadlineExtensionRequiredError,
    DocumentTooLargeError,
    DocumentTypeError,
    TenderStateError,
    TenderValidationError,
)
from tenders.models import DocumentVersion, Notification
from tenders.selectors import document_version_public, document_versions_current
from tenders.services import (
    document_add,
    document_version_add,
    interest_register,
    tender_submit,
)
from tests.factories import OperatorFactory, person
from tests.tenders.factories import PDF, draft_tender, pdf_upload, published_tender

pytestmark = pytest.mark.django_db


def test_versions_are_new_immutable_rows_with_sha256(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    first = DocumentVersion.objects.get(document__tender=tender)
    assert first.number == 1
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.size == len(PDF)
    assert first.content_type == "application/pdf"
    second_bytes = PDF + b"% v2\n"
    second = document_version_add(
        document_id=first.document_id,
        actor=officer,
        upload=pdf_upload(second_bytes),
        name="lb-v2.pdf",
    )
    assert second.number == 2
    first.refresh_from_db()
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    with storages["default"].open(first.file.name) as handle:
        assert handle.read() == PDF
    with storages["default"].open(second.file.name) as handle:
        assert handle.read() == second_bytes
    assert first.file.name != second.file.name
    assert "lb" not in second.file.name  # the path never carries the uploader's file name
    assert [v.number for v in document_versions_current(tender=tender)] == [2]


def test_document_over_the_size_limit_is_refused(authority, officer, settings):
    settings.ZUSCHLAG_MAX_DOCUMENT_BYTES = 1024
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    with pytest.raises(DocumentTooLargeError) as caught:
        document_add(
            tender_id=tender.pk,
            actor=officer,
            title="Pläne",
            upload=pdf_upload(PDF + b"0" * 2000),
            name="plaene.pdf",
        )
    assert "1.0 MB" not in caught.value.message or "limit" in caught.value.message
    assert caught.value.status_code == 413
    assert not tender.documents.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("image.svg", b"<svg onload='alert(1)'/>"),
        ("fake.pdf", b"MZ this is not a pdf"),
        ("fake.docx", b"PK\x03\x04 not really a zip"),
        (
            "evil.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x/>',
        ),
        ("empty.pdf", b""),
    ],
)
def test_refused_types_change_nothing(authority, officer, name, content):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    with pytest.raises(DocumentTypeError):
        document_add(
            tender_id=tender.pk, actor=officer, title="X", upload=ContentFile(content), name=name
        )
    assert not tender.documents.exists()


def test_office_documents_are_recognised_by_their_content(authority, officer):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    version = document_add(
        tender_id=tender.pk,
        actor=officer,
        title="Vertrag",
        upload=ContentFile(buffer.getvalue()),
        name="Vertrag.DOCX",
    )
    assert version.content_type.endswith("wordprocessingml.document")
    assert version.extension == ".docx"


def test_documents_are_frozen_while_pending_approval(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    with pytest.raises(TenderStateError):
        document_add(
            tender_id=tender.pk, actor=officer, title="Nachtrag", upload=pdf_upload(), name="n.pdf"
        )


def test_only_officers_upload(authority, officer, approver):
    tender = draft_tender(authority=authority, officer=officer)
    from tenders.errors import TenderForbiddenError

    with pytest.raises(TenderForbiddenError):
        document_add(
            tender_id=tender.pk, actor=approver, title="X", upload=pdf_upload(), name="x.pdf"
        )


def test_draft_documents_are_not_public(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    version = DocumentVersion.objects.get(document__tender=tender)
    from tenders.errors import TenderNotFoundError

    with pytest.raises(TenderNotFoundError):
        document_version_public(public_id=version.public_id)


def _interested(tender):
    org = OperatorFactory()
    member = person(org, Role.BIDDER_USER)
    interest_register(tender_id=tender.pk, actor=member, organisation=org)
    return member


def test_change_after_publication_notifies_interested_bidders(
    authority, officer, approver, django_capture_on_commit_callbacks
):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    member = _interested(tender)
    bystander = person(OperatorFactory(), Role.BIDDER_USER)
    document = tender.documents.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = document_version_add(
            document_id=document.pk,
            actor=officer,
            upload=pdf_upload(PDF + b"%x\n"),
            name="lb.pdf",
            change_note="Tippfehler auf Seite 3 korrigiert",
        )
    assert version.published_change
    assert not version.substantial
    assert document_version_public(public_id=version.public_id) == version
    notes = Notification.objects.filter(recipient=member)
    assert notes.count() == 1
    assert "Tippfehler" in notes.get().body
    assert not Notification.objects.filter(recipient=bystander).exists()
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_change_after_publication_needs_a_note(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    with pytest.raises(TenderValidationError):
        document_version_add(
            document_id=tender.documents.get().pk, actor=officer, upload=pdf_upload(), name="a.pdf"
        )


def test_substantial_change_requires_extending_the_deadline(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    member = _interested(tender)
    document = tender.documents.get()
    old_deadline = tender.submission_deadline
    with pytest.raises(DeadlineExtensionRequiredError) as caught:
        document_version_add(
            document_id=document.pk,
            actor=officer,
            upload=pdf_upload(PDF + b"%y\n"),
            name="lb.pdf",
            change_note="Mengen geändert",
            substantial=True,
        )
    assert "VgV §20 Abs. 3" in caught.value.message
    with pytest.raises(DeadlineExtensionRequiredError):
        document_version_add(
            document_id=document.pk,
            actor=officer,
            upload=pdf_upload(PDF + b"%y\n"),
            name="lb.pdf",
            change_note="Mengen geändert",
            substantial=True,
            new_submission_deadline=old_deadline,
        )
    assert document.versions.count() == 1
    assert not Notification.objects.filter(recipient=member).exists()
    new_deadline = old_deadline + timedelta(days=10)
    document_version_add(
        document_id=document.pk,
        actor=officer,
        upload=pdf_upload(PDF + b"%y\n"),
        name="lb.pdf",
        change_note="Mengen geändert",
        substantial=True,
        new_submission_deadline=new_deadline,
    )
    tender.refresh_from_db()
    assert tender.submission_deadline == new_deadline
    assert tender.opening_at > new_deadline
    note = Notification.objects.get(recipient=member)
    assert note.kind == "deadline_extended"
    assert tender.publications.filter(kind="ocds").count() == 2
