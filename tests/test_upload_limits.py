"""Every upload path refuses an over-limit body with a clear message and leaves nothing behind.

Paths: tender documents (officer page, multipart), invoices (AP page multipart, API raw body,
mail-in, supplier's corrected invoice), sealed bids (API raw body, also used by the bid page),
answers to document requests. Each test points the private storage at an empty temporary
folder so "no file left behind" is checked on the real filesystem. A Content-Length that is not
a whole number of bytes is refused with 400 on every path, one that is over the limit with 413,
both before any of the body is read.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from procurement.core.uploads import FORM_SLACK, ContentLengthError, declared_length

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def storage_dir(settings, tmp_path) -> Path:
    root = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "media")},
        },
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "documents")},
        },
    }
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_tender_document_over_limit_is_413_and_nothing_stored(
    authority, officer, settings, storage_dir
):
    from tests.tenders.factories import draft_tender

    tender = draft_tender(authority=authority, officer=officer, documents=False)
    settings.ZUSCHLAG_MAX_DOCUMENT_BYTES = 4096
    client = Client()
    client.force_login(officer)
    upload = SimpleUploadedFile("plan.pdf", PDF + b"0" * 20_000, content_type="application/pdf")
    response = client.post(
        reverse("officer-document-add", kwargs={"pk": tender.pk}),
        {"title": "Pläne", "file": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert "limit" in response.content.decode().lower()
    assert not tender.documents.exists()
    assert _files(storage_dir) == []


def test_invoice_api_over_limit_is_413_and_nothing_stored(settings, storage_dir):
    from invoicing.models import Invoice, StoredDocument
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    supplier = f.german_supplier()
    staff = f.ap_staff(buyer)
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 2048
    data = f.invoice_xml(seller=supplier, buyer=buyer, number="BIG-1")
    data = data.replace(b"</", b"<!--" + b"x" * 4000 + b"--></", 1)
    client = Client()
    client.force_login(staff["clerk"])
    response = client.post("/api/invoices/", data=data, content_type="application/xml")
    assert response.status_code == 413
    assert "2048" in response.json()["detail"]
    assert not Invoice.objects.exists()
    assert not StoredDocument.objects.exists()
    assert _files(storage_dir) == []


def test_invoice_ap_upload_over_limit_is_refused_and_nothing_stored(settings, storage_dir):
    from invoicing.models import Invoice, StoredDocument
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 2048
    client = Client()
    client.force_login(staff["clerk"])
    big = SimpleUploadedFile("big.xml", b"<Invoice>" + b"x" * 10_000 + b"</Invoice>")
    response = client.post(reverse("ap-upload"), {"files": [big]}, HTTP_ACCEPT="application/json")
    assert response.status_code in (200, 400, 413)
    results = response.json()["results"] if response.status_code == 200 else None
    if results is not None:
        assert results[0]["ok"] is False
        assert "2048" in results[0]["error"]
    assert not Invoice.objects.exists()
    assert not StoredDocument.objects.exists()
    assert _files(storage_dir) == []


def test_invoice_mail_over_limit_attachment_is_skipped(settings, storage_dir, tmp_path):
    from invoicing.models import Invoice, StoredDocument
    from invoicing.services.mail import maildir_fetch
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    supplier = f.german_supplier()
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 2048
    data = f.invoice_xml(seller=supplier, buyer=buyer, number="MAIL-BIG")
    assert len(data) > 2048
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    message = EmailMessage()
    message["From"] = "rechnung@example.org"
    message["Subject"] = "Rechnung"
    message.set_content("Anbei.")
    message.add_attachment(data, maintype="application", subtype="xml", filename="big.xml")
    box.add(message)
    assert maildir_fetch(buyer=buyer, path=tmp_path / "inbox") == 0
    assert not Invoice.objects.exists()
    assert not StoredDocument.objects.exists()
    assert _files(storage_dir) == []


def test_bid_over_limit_is_413_and_nothing_stored(authority, officer, approver, bidder, settings):
    from django.core.files.storage import storages

    from bids.models import Bid
    from tests.bids.sealed import client_for, post_bid, seal, sealed_tender

    tender, _members = sealed_tender(authority=authority, officer=officer, approver=approver)
    root = Path(storages["documents"].location)
    before = set(_files(root))
    settings.ZUSCHLAG_MAX_BID_BYTES = 2000
    response = post_bid(client_for(bidder), tender, seal(tender, b"y" * 5000))
    assert response.status_code == 413
    assert "2000" in response.json()["detail"] or "limit" in response.json()["detail"].lower()
    assert not Bid.objects.exists()
    assert set(_files(root)) == before


# ------------------------------------------------- refused before the whole body is read


class _CountingInput:
    """A WSGI input that counts what the application reads from it."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = len(self._data) - self.read_bytes
        chunk = self._data[self.read_bytes : self.read_bytes + size]
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        rest = self._data[self.read_bytes :]
        end = rest.find(b"\n") + 1 or len(rest)
        if size is not None and size >= 0:
            end = min(end, size)
        self.read_bytes += end
        return rest[:end]


def _post_counting(client: Client, path: str, body: bytes, content_type: str, **headers):
    """POST ``body`` through the real handler; return (response, bytes the app read)."""
    from django.test.client import RequestFactory

    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(len(body)),
        HTTP_COOKIE="; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
        **headers,
    )
    counting = _CountingInput(body)
    environ["wsgi.input"] = counting
    response = client.handler(environ)
    return response, counting.read_bytes


BIG = 4 * 1024 * 1024  # 4 MiB body against a 4 KiB limit
SLACK = 512 * 1024  # a few parser chunks may be read before the limit trips


def _multipart(field: str, name: str, content: bytes, **fields: str) -> tuple[bytes, str]:
    boundary = "----zuschlagboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_invoice_api_stops_reading_at_the_limit(settings, storage_dir):
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 4096
    client = Client()
    client.force_login(staff["clerk"])
    body = b"<Invoice>" + b"x" * BIG + b"</Invoice>"
    response, read = _post_counting(client, "/api/invoices/", body, "application/xml")
    assert response.status_code == 413
    assert read < SLACK, f"read {read} of {len(body)} bytes before refusing"


def test_tender_document_upload_stops_reading_at_the_limit(
    authority, officer, settings, storage_dir
):
    from tests.tenders.factories import draft_tender

    tender = draft_tender(authority=authority, officer=officer, documents=False)
    settings.ZUSCHLAG_MAX_DOCUMENT_BYTES = 4096
    client = Client()
    client.force_login(officer)
    body, ctype = _multipart("file", "plan.pdf", PDF + b"0" * BIG, title="Pläne")
    path = reverse("officer-document-add", kwargs={"pk": tender.pk})
    response, read = _post_counting(client, path, body, ctype, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert not tender.documents.exists()
    assert "limit" in response.content.decode().lower()
    assert read < SLACK, f"read {read} of {len(body)} bytes before refusing"


def test_invoice_ap_upload_stops_reading_at_the_limit(settings, storage_dir):
    from invoicing.models import Invoice
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 4096
    client = Client()
    client.force_login(staff["clerk"])
    body, ctype = _multipart("files", "big.xml", b"<Invoice>" + b"x" * BIG + b"</Invoice>")
    response, read = _post_counting(
        client, reverse("ap-upload"), body, ctype, HTTP_ACCEPT="application/json"
    )
    assert response.status_code in (200, 400, 413)
    assert not Invoice.objects.exists()
    assert read < SLACK, f"read {read} of {len(body)} bytes before refusing"


def test_invoice_ap_upload_one_file_over_the_limit_loses_only_that_file(settings, storage_dir):
    from invoicing.models import Invoice
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    good_bytes = f.invoice_xml(seller=f.german_supplier(), buyer=buyer, number="RE-OK-1")
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = len(good_bytes) + 100
    client = Client()
    client.force_login(staff["clerk"])
    big = SimpleUploadedFile("big.xml", b"<Invoice>" + b"x" * (len(good_bytes) * 3) + b"</Invoice>")
    good = SimpleUploadedFile("good.xml", good_bytes)
    response = client.post(
        reverse("ap-upload"), {"files": [big, good]}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    by_file = {r["file"]: r for r in response.json()["results"]}
    assert by_file["big.xml"]["ok"] is False
    assert str(len(good_bytes) + 100) in by_file["big.xml"]["error"]
    assert by_file["good.xml"]["ok"] is True
    assert list(Invoice.objects.values_list("number", flat=True)) == ["RE-OK-1"]


@pytest.mark.parametrize("django_cap", [False, True])
def test_invoice_ap_upload_of_too_many_files_is_refused_clearly(settings, storage_dir, django_cap):
    """Over our own count, and over Django's parser cap (DATA_UPLOAD_MAX_NUMBER_FILES, which
    stops parsing with a bare 400 unless the view answers it): the same message, nothing kept."""
    from invoicing.models import Invoice
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    settings.ZUSCHLAG_MAX_UPLOAD_FILES = 3
    if django_cap:
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    client = Client()
    client.force_login(staff["clerk"])
    data = f.invoice_xml(seller=f.german_supplier(), buyer=buyer, number="RE-MANY")
    files = [SimpleUploadedFile(f"{n}.xml", data) for n in range(4)]
    response = client.post(
        reverse("ap-upload"),
        {"files": files},
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "At most 3 files per upload."
    assert not Invoice.objects.exists()
    assert _files(storage_dir) == []
    page = client.post(reverse("ap-upload"), {"files": files[:1] * 4}, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 302  # back to the inbox, with the message shown there
    shown = [str(m) for m in client.get(page.url, HTTP_ACCEPT_LANGUAGE="de").context["messages"]]
    assert shown == ["Höchstens 3 Dateien pro Upload."]


# ------------------------------------------- a declared length that is no length, or too large


@dataclass
class UploadEndpoint:
    path: str
    user: Any
    content_type: str
    body: bytes
    stored: Callable[[], int]  # rows that an accepted upload would add
    largest: Callable[[Any], int]  # the largest declared length accepted, from the settings
    headers: dict[str, str] = dataclass_field(default_factory=dict)


def _bid_api(authority, officer, approver, bidder) -> UploadEndpoint:
    from bids.crypto import MEDIA_TYPE
    from bids.models import Bid
    from tests.bids.sealed import seal, sealed_tender

    tender, _members = sealed_tender(authority=authority, officer=officer, approver=approver)
    return UploadEndpoint(
        path=f"/api/v1/tenders/{tender.reference}/lots/1/bids",
        user=bidder,
        content_type=MEDIA_TYPE,
        body=seal(tender, b"offer"),
        stored=Bid.objects.count,
        largest=lambda settings: settings.ZUSCHLAG_MAX_BID_BYTES,
    )


def _tender_document(authority, officer, approver, bidder) -> UploadEndpoint:
    from tenders.models import DocumentVersion
    from tests.tenders.factories import draft_tender

    tender = draft_tender(authority=authority, officer=officer, documents=False)
    body, content_type = _multipart("file", "plan.pdf", PDF, title="Pläne")
    return UploadEndpoint(
        path=reverse("officer-document-add", kwargs={"pk": tender.pk}),
        user=officer,
        content_type=content_type,
        body=body,
        stored=DocumentVersion.objects.count,
        largest=lambda settings: settings.ZUSCHLAG_MAX_DOCUMENT_BYTES + FORM_SLACK,
    )


def _invoice_staff():
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    supplier = f.german_supplier()
    return f, buyer, supplier, f.ap_staff(buyer)


def _ap_upload(authority, officer, approver, bidder) -> UploadEndpoint:
    from invoicing.models import Invoice

    f, buyer, supplier, staff = _invoice_staff()
    xml = f.invoice_xml(seller=supplier, buyer=buyer, number="CL-1")
    body, content_type = _multipart("files", "rechnung.xml", xml)
    return UploadEndpoint(
        path=reverse("ap-upload"),
        user=staff["clerk"],
        content_type=content_type,
        body=body,
        stored=Invoice.objects.count,
        largest=lambda settings: (
            settings.ZUSCHLAG_MAX_UPLOAD_FILES * settings.ZUSCHLAG_MAX_INVOICE_BYTES + FORM_SLACK
        ),
        headers={"HTTP_ACCEPT": "application/json"},
    )


def _invoice_api(authority, officer, approver, bidder) -> UploadEndpoint:
    from invoicing.models import Invoice

    f, buyer, supplier, staff = _invoice_staff()
    return UploadEndpoint(
        path="/api/invoices/",
        user=staff["clerk"],
        content_type="application/xml",
        body=f.invoice_xml(seller=supplier, buyer=buyer, number="CL-2"),
        stored=Invoice.objects.count,
        largest=lambda settings: settings.ZUSCHLAG_MAX_INVOICE_BYTES,
    )


def _supplier_resubmission(authority, officer, approver, bidder) -> UploadEndpoint:
    from invoicing.models import Invoice
    from invoicing.services.intake import invoice_receive
    from procurement.core.roles import Role
    from tests.factories import person

    f, buyer, supplier, _staff = _invoice_staff()
    rejected = invoice_receive(
        buyer=buyer,
        source=f.invoice_xml(seller=supplier, buyer=buyer, number="CL-3"),
        channel=Invoice.Channel.PORTAL,
        supplier=supplier,
    ).invoice
    xml = f.invoice_xml(seller=supplier, buyer=buyer, number="CL-3-KORR")
    body, content_type = _multipart("file", "korrektur.xml", xml)
    return UploadEndpoint(
        path=reverse("supplier-invoice", kwargs={"public_id": rejected.public_id}),
        user=person(supplier, Role.BIDDER_ADMIN),
        content_type=content_type,
        body=body,
        stored=Invoice.objects.count,
        largest=lambda settings: settings.ZUSCHLAG_MAX_INVOICE_BYTES + FORM_SLACK,
    )


def _document_request_answer(authority, officer, approver, bidder) -> UploadEndpoint:
    from datetime import timedelta

    from django.utils import timezone

    from bids.models import DocumentRequest
    from bids.services.evaluation import document_request_create
    from tests.bids.factories_award import bidder_user, opened_tender

    _tender, (bid,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    request = document_request_create(
        bid_id=bid.pk, actor=officer, text="Nachweis", due_at=timezone.now() + timedelta(days=3)
    )
    body, content_type = _multipart("document", "nachweis.pdf", PDF, note="anbei")
    return UploadEndpoint(
        path=reverse("bidder-document-request", kwargs={"public_id": request.public_id}),
        user=bidder_user(bid),
        content_type=content_type,
        body=body,
        stored=lambda: DocumentRequest.objects.exclude(response="").count(),
        largest=lambda settings: settings.ZUSCHLAG_MAX_DOCUMENT_BYTES + FORM_SLACK,
    )


ENDPOINTS = {
    "bid-api": _bid_api,  # the bid page's upload posts here too
    "tender-document": _tender_document,
    "ap-upload": _ap_upload,
    "invoice-api": _invoice_api,
    "supplier-resubmission": _supplier_resubmission,
    "document-request-answer": _document_request_answer,
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("declared", "status"),
    [
        ("abc", 400),
        ("12kB", 400),
        ("-5", 400),
        ("+5", 400),
        ("1_000", 400),
        ("oversized", 413),
        ("9" * 5000, 413),
    ],
)
def test_upload_with_a_wrong_content_length_is_refused_clearly(
    endpoint, declared, status, authority, officer, approver, bidder, settings, storage_dir
):
    target = ENDPOINTS[endpoint](authority, officer, approver, bidder)
    if declared == "oversized":
        declared = str(target.largest(settings) + 1)
    before = target.stored()
    client = Client()
    client.force_login(target.user)
    response, read = _post_declaring(
        client,
        target.path,
        target.body,
        target.content_type,
        declared,
        HTTP_ACCEPT_LANGUAGE="en",
        **target.headers,
    )
    assert response.status_code == status, response.content[:500]
    text = response.content.decode()
    if status == 400:
        assert "Content-Length" in text
    else:
        assert "limit" in text or "larger" in text or "large" in text
    assert read == 0  # refused before any of the body was read
    assert target.stored() == before


def _post_declaring(client: Client, path: str, body: bytes, content_type: str, declared: str, **h):
    from django.test.client import RequestFactory

    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=declared,
        HTTP_COOKIE="; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
        **h,
    )
    counting = _CountingInput(body)
    environ["wsgi.input"] = counting
    return client.handler(environ), counting.read_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("0", 0), ("1234", 1234), ("9" * 5000, 10**18)],
)
def test_declared_length_reads_only_whole_numbers(rf, value, expected):
    request = rf.post("/", data=b"", content_type="application/octet-stream")
    request.META.pop("CONTENT_LENGTH", None)
    if value is not None:
        request.META["CONTENT_LENGTH"] = value
    assert declared_length(request) == expected


@pytest.mark.parametrize("value", ["abc", "-1", "+1", " 1", "1 ", "1_0", "١٢", "1e3", "0x10"])
def test_declared_length_refuses_anything_else(rf, value):
    request = rf.post("/", data=b"", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = value
    with pytest.raises(ContentLengthError) as caught:
        declared_length(request)
    assert caught.value.status_code == 400
