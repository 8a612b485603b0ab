"""POST /api/invoices/bulk/: several invoices per request, each handled as a single POST is."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from invoicing.models import Invoice, StoredDocument, ValidationReport
from invoicing.services import intake
from invoicing.services.storage import document_read
from procurement.core.errors import ValidationFailedError
from procurement.core.roles import Role
from tests.factories import person
from tests.invoicing.factories import german_authority, invoice_xml, make_contract

pytestmark = pytest.mark.django_db

BULK = "/api/invoices/bulk/"


@pytest.fixture
def storage_dir(settings, tmp_path) -> Path:
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def _stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _files(*named: tuple[str, bytes]) -> dict[str, list[SimpleUploadedFile]]:
    return {"files": [SimpleUploadedFile(name, data) for name, data in named]}


def test_bulk_url_is_named_like_the_rest_of_the_invoice_api():
    assert reverse("api-invoices-bulk") == BULK


def test_several_files_are_stored_unchanged_and_validated_from_one_task_message(
    client, de_buyer, de_supplier, staff, storage_dir, django_capture_on_commit_callbacks
):
    # given a clerk and three distinct invoices
    client.force_login(staff["clerk"])
    sent = {
        f"re-{n}.xml": invoice_xml(seller=de_supplier, buyer=de_buyer, number=f"BULK-{n}")
        for n in range(3)
    }

    # when they are posted in one request
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(BULK, _files(*sent.items()))

    # then each file has its own answer, in order, and its invoice with the original bytes
    assert response.status_code == 207, response.content
    results = response.json()["results"]
    assert [r["file"] for r in results] == list(sent)
    assert [r["status"] for r in results] == [201, 201, 201]
    for result, (name, data) in zip(results, sent.items(), strict=True):
        invoice = Invoice.objects.get(public_id=result["id"])
        assert result["url"] == f"/api/invoices/{invoice.public_id}/"
        assert result["number"] == invoice.number == f"BULK-{name[3]}"
        assert result["duplicate_of"] is None
        assert invoice.buyer == de_buyer
        assert invoice.channel == Invoice.Channel.API
        assert invoice.document.original_name == name
        assert document_read(invoice.document) == data
        assert result["document_sha256"] == invoice.sha256 == hashlib.sha256(data).hexdigest()
        assert client.get(result["url"]).status_code == 200
    assert len(_stored_files(storage_dir)) == 3
    # and their validation is queued once, after the last file, as one message
    assert len(queued) == 1
    assert not ValidationReport.objects.exists()
    queued[0]()
    states = set(Invoice.objects.values_list("state", flat=True))
    assert ValidationReport.objects.count() == 3
    assert states <= {Invoice.State.VALID, Invoice.State.MATCHED, Invoice.State.INVALID}


def test_mixed_files_each_get_their_answer_and_only_good_ones_are_stored(
    client, de_buyer, de_supplier, staff, settings, storage_dir, django_capture_on_commit_callbacks
):
    # given a good invoice, an oversized file, a file of another type, an empty one, the same
    # invoice in another syntax (a duplicate) and the good invoice's bytes a second time
    client.force_login(staff["clerk"])
    good = invoice_xml(seller=de_supplier, buyer=de_buyer, number="MIX-1")
    same_in_cii = invoice_xml(
        seller=de_supplier, buyer=de_buyer, number="MIX-1", fmt="xrechnung-cii"
    )
    limit = max(len(good), len(same_in_cii)) + 100
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = limit
    big = b"<Invoice>" + b"x" * (3 * limit) + b"</Invoice>"

    # when they are posted together by a German-speaking clerk
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            BULK,
            _files(
                ("good.xml", good),
                ("big.xml", big),
                ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
                ("empty.xml", b""),
                ("cii.xml", same_in_cii),
                ("again.xml", good),
            ),
            HTTP_ACCEPT_LANGUAGE="de",
        )

    # then every file is answered in its place, the refusals in German
    assert response.status_code == 207, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 413, 400, 400, 201, 200]
    first, oversized, wrong_type, empty, duplicate, again = results
    assert oversized["code"] == "invoice_too_large"
    assert oversized["detail"].startswith(
        f"Die Datei überschreitet die Obergrenze von {limit} Bytes"
    )
    assert (wrong_type["code"], empty["code"]) == ("unsupported_format", "empty_file")
    assert wrong_type["detail"].startswith("Die Datei ist weder XML noch PDF")
    assert "id" not in wrong_type
    assert duplicate["duplicate_of"] == first["id"]
    assert again["id"] == first["id"]
    # and only the two invoices and their two documents exist, nothing of the refused files
    assert Invoice.objects.count() == 2
    assert StoredDocument.objects.count() == 2
    assert len(_stored_files(storage_dir)) == 2
    # and only the one that is no duplicate is validated
    assert len(queued) == 1
    queued[0]()
    assert list(ValidationReport.objects.values_list("invoice__public_id", flat=True)) == [
        Invoice.objects.get(public_id=first["id"]).public_id
    ]


def test_resending_the_same_request_answers_200_with_the_same_invoices(
    client, de_buyer, de_supplier, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff["clerk"])
    named = [
        (f"{n}.xml", invoice_xml(seller=de_supplier, buyer=de_buyer, number=f"AGAIN-{n}"))
        for n in range(2)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(BULK, _files(*named))
    with django_capture_on_commit_callbacks() as queued:
        second = client.post(BULK, _files(*named))
    assert [r["status"] for r in first.json()["results"]] == [201, 201]
    assert [r["status"] for r in second.json()["results"]] == [200, 200]
    assert [r["id"] for r in first.json()["results"]] == [r["id"] for r in second.json()["results"]]
    assert Invoice.objects.count() == 2
    assert ValidationReport.objects.count() == 2
    assert queued == []  # nothing new to validate


def test_a_single_post_and_a_bulk_post_of_the_same_bytes_are_one_invoice(
    client, de_buyer, de_supplier, staff
):
    client.force_login(staff["clerk"])
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="ONE-1")
    single = client.post("/api/invoices/", data=data, content_type="application/xml")
    bulk = client.post(BULK, _files(("one.xml", data)))
    assert single.status_code == 201
    assert bulk.json()["results"][0]["status"] == 200
    assert bulk.json()["results"][0]["id"] == single.json()["id"]


def test_a_file_failing_after_its_rows_were_written_leaves_nothing_and_loses_no_other(
    client, de_buyer, de_supplier, staff, storage_dir, monkeypatch
):
    # given the intake fails for one invoice after its document and invoice rows are written
    real_create = intake._create

    def create_then_fail(**kwargs):
        invoice = real_create(**kwargs)
        if invoice.number == "FAIL-1":
            raise ValidationFailedError("refused late")
        return invoice

    monkeypatch.setattr(intake, "_create", create_then_fail)
    client.force_login(staff["clerk"])
    named = [
        (f"{number}.xml", invoice_xml(seller=de_supplier, buyer=de_buyer, number=number))
        for number in ("OK-1", "FAIL-1", "OK-2")
    ]

    # when the three are posted together
    response = client.post(BULK, _files(*named))

    # then the failing one is refused and nothing of it remains, row or archive file
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400, 201]
    assert results[1]["detail"] == "refused late"
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["OK-1", "OK-2"]
    assert StoredDocument.objects.count() == 2
    assert sorted(p.name for p in _stored_files(storage_dir)) == sorted(
        Path(name).name for name in StoredDocument.objects.values_list("storage_name", flat=True)
    )


def test_a_server_error_ends_the_request_and_a_resend_completes_it(
    client, de_buyer, de_supplier, staff, storage_dir, monkeypatch
):
    # given the archive write breaks for the second file (a bug, not a refusal)
    real_create = intake._create

    def create_or_break(**kwargs):
        invoice = real_create(**kwargs)
        if invoice.number == "BREAK-2":
            raise RuntimeError("disk on fire")
        return invoice

    monkeypatch.setattr(intake, "_create", create_or_break)
    client.force_login(staff["clerk"])
    named = [
        (f"{number}.xml", invoice_xml(seller=de_supplier, buyer=de_buyer, number=number))
        for number in ("BREAK-1", "BREAK-2", "BREAK-3")
    ]
    with pytest.raises(RuntimeError):
        client.post(BULK, _files(*named))
    # the file before it is stored, the failing one left nothing behind
    assert list(Invoice.objects.values_list("number", flat=True)) == ["BREAK-1"]
    assert len(_stored_files(storage_dir)) == StoredDocument.objects.count() == 1

    monkeypatch.setattr(intake, "_create", real_create)
    resent = client.post(BULK, _files(*named))
    assert [r["status"] for r in resent.json()["results"]] == [200, 201, 201]
    assert Invoice.objects.count() == 3


def test_supplier_with_a_contract_posts_in_bulk_to_the_buyer_it_names(
    client, de_buyer, de_supplier
):
    make_contract(authority=de_buyer, supplier=de_supplier, reference="VG-BULK")
    client.force_login(person(de_supplier, Role.BIDDER_USER))
    named = [
        (f"{n}.xml", invoice_xml(seller=de_supplier, buyer=de_buyer, number=f"SUP-B{n}"))
        for n in range(2)
    ]
    response = client.post(f"{BULK}?buyer={de_buyer.public_id}", _files(*named))
    assert [r["status"] for r in response.json()["results"]] == [201, 201]
    assert set(Invoice.objects.values_list("supplier", "buyer")) == {(de_supplier.pk, de_buyer.pk)}


def test_who_may_post_in_bulk(client, de_buyer, de_supplier, fr_buyer, fr_staff, storage_dir):
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="PERM-1")
    url = f"{BULK}?buyer={de_buyer.public_id}"

    # a supplier's user without a contract with the buyer
    client.force_login(person(de_supplier, Role.BIDDER_USER))
    assert client.post(url, _files(("a.xml", data))).status_code == 403
    # a clerk of another buyer, naming this buyer or not
    client.force_login(fr_staff["clerk"])
    assert client.post(url, _files(("a.xml", data))).status_code == 403
    # an approver (no clerk) of the buyer itself
    client.force_login(fr_staff["approver"])
    assert client.post(BULK, _files(("a.xml", data))).status_code == 403
    # nobody signed in
    client.logout()
    assert client.post(url, _files(("a.xml", data))).status_code in (401, 403)

    assert not Invoice.objects.exists()
    assert _stored_files(storage_dir) == []


def test_a_clerk_of_several_inboxes_names_one(client, de_buyer, de_supplier, staff):
    other = german_authority(name="Stadt Zweite")
    clerk = staff["clerk"]
    clerk.memberships.create(organisation=other, role=Role.AP_CLERK)
    client.force_login(clerk)
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="TWO-B")

    with translation.override("en"):
        ambiguous = client.post(BULK, _files(("a.xml", data)), HTTP_ACCEPT_LANGUAGE="en")
    assert ambiguous.status_code == 403
    assert "several inboxes" in ambiguous.json()["detail"]
    chosen = client.post(f"{BULK}?buyer={other.public_id}", _files(("a.xml", data)))
    assert chosen.json()["results"][0]["status"] == 201
    assert Invoice.objects.get().buyer == other
    # the same bytes in the other inbox are another invoice there
    here = client.post(f"{BULK}?buyer={de_buyer.public_id}", _files(("a.xml", data)))
    assert here.json()["results"][0]["status"] == 201
    assert Invoice.objects.count() == 2


def test_refusals_of_the_whole_request_store_nothing(
    client, de_buyer, de_supplier, staff, settings, storage_dir
):
    client.force_login(staff["clerk"])
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="MANY-1")
    settings.ZUSCHLAG_MAX_UPLOAD_FILES = 2
    named = [(f"{n}.xml", data) for n in range(3)]

    with translation.override("en"):
        too_many = client.post(BULK, _files(*named), HTTP_ACCEPT_LANGUAGE="en")
        none = client.post(BULK, {"note": "no files"}, HTTP_ACCEPT_LANGUAGE="en")
        raw = client.post(BULK, data=data, content_type="application/xml")

    assert too_many.status_code == 413
    assert too_many.json()["code"] == "too_many_files"
    assert too_many.json()["detail"] == "At most 2 files per upload."
    assert none.status_code == 400
    assert none.json()["code"] == "no_files"
    assert raw.status_code == 415
    assert not Invoice.objects.exists()
    assert _stored_files(storage_dir) == []


def test_more_files_than_django_parses_are_refused_clearly(client, staff, settings):
    client.force_login(staff["clerk"])
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    named = [(f"{n}.xml", b"<x/>") for n in range(4)]
    with translation.override("en"):
        response = client.post(BULK, _files(*named), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_files"
    assert not Invoice.objects.exists()


def test_a_declared_length_over_what_the_files_may_total_is_refused_before_reading(
    client, de_buyer, staff, settings
):
    from procurement.core.uploads import FORM_SLACK

    client.force_login(staff["clerk"])
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 1000
    settings.ZUSCHLAG_MAX_UPLOAD_FILES = 2
    too_long = str(2 * 1000 + FORM_SLACK + 1)
    response = client.post(
        BULK,
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=too_long,
    )
    assert response.status_code == 413
    assert not Invoice.objects.exists()


def test_queries_grow_by_a_constant_per_file_and_stay_below_single_posts(
    client, de_buyer, de_supplier, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff["clerk"])

    def bulk_queries(first: int, count: int) -> int:
        named = [
            (
                f"{n}.xml",
                invoice_xml(seller=de_supplier, buyer=de_buyer, number=f"Q-{n}"),
            )
            for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as queries:
            response = client.post(BULK, _files(*named))
        assert [r["status"] for r in response.json()["results"]] == [201] * count
        return len(queries)

    def single_queries(number: str) -> int:
        data = invoice_xml(seller=de_supplier, buyer=de_buyer, number=number)
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/invoices/", data=data, content_type="application/xml")
        assert response.status_code == 201
        return len(queries)

    two = bulk_queries(0, 2)
    six = bulk_queries(10, 6)
    per_file = (six - two) / 4
    fixed = two - 2 * per_file
    single = single_queries("Q-single")
    # each further file costs the intake's own statements (look-ups, two INSERTs, savepoint)
    assert per_file <= 8, (two, six)
    # and the request's own work (session, user, inbox) is paid once, not per file
    assert fixed >= 2
    assert six < 6 * single, (six, single)


def test_openapi_schema_describes_the_bulk_endpoint(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/invoices/bulk/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert set(operation["responses"]) == {"207", "400", "403", "413", "415"}
    form = schema["components"]["schemas"]["InvoiceBulkIn"]["properties"]["files"]
    assert form["items"] == {"type": "string", "format": "binary"}
    assert {p["name"] for p in operation["parameters"]} == {"buyer"}
