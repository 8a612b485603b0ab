"""REST intake (idempotent by content hash), the inbox page and who may see what."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.services.intake import invoice_receive
from procurement.core.roles import Role
from tests.factories import person
from tests.invoicing.factories import german_supplier, invoice_xml

pytestmark = pytest.mark.django_db


def test_api_post_raw_xml_is_idempotent_201_then_200(client, de_buyer, de_supplier, staff):
    client.force_login(staff["clerk"])
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="API-1")
    # the declared type is a lie: the bytes are sniffed
    first = client.post("/api/invoices/", data=data, content_type="image/png")
    assert first.status_code == 201, first.content
    again = client.post("/api/invoices/", data=data, content_type="application/xml")
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["number"] == "API-1"
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The file is neither XML nor PDF"),
        ("de", "Die Datei ist weder XML noch PDF"),
        ("fr", "Le fichier n'est ni XML ni PDF"),
    ],
)
def test_api_refuses_garbage_and_oversize(client, de_buyer, staff, settings, language, expected):
    client.force_login(staff["clerk"])
    response = client.post(
        "/api/invoices/",
        data=b"\x00\x01binary",
        content_type="text/xml",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(expected)
    settings.ZUSCHLAG_MAX_INVOICE_BYTES = 100
    big = b"<Invoice>" + b"x" * 500 + b"</Invoice>"
    assert (
        client.post("/api/invoices/", data=big, content_type="application/xml").status_code == 413
    )
    assert not Invoice.objects.exists()


def test_api_refuses_people_without_a_role(client, de_buyer, de_supplier):
    outsider = person(de_supplier, Role.BIDDER_USER)  # supplier without a contract
    client.force_login(outsider)
    data = invoice_xml(seller=de_supplier, buyer=de_buyer)
    response = client.post(
        f"/api/invoices/?buyer={de_buyer.public_id}", data=data, content_type="application/xml"
    )
    assert response.status_code in (403, 503)
    assert not Invoice.objects.exists()
    client.logout()
    assert client.post("/api/invoices/", data=data, content_type="application/xml").status_code in (
        401,
        403,
    )


def test_supplier_users_only_see_their_own_invoices(client, de_buyer, de_supplier, staff):
    other = german_supplier(name="Andere GmbH", vat_id="DE811128135")
    mine = invoice_receive(
        buyer=de_buyer,
        source=invoice_xml(seller=de_supplier, buyer=de_buyer, number="M-1"),
        channel="api",
    ).invoice
    theirs = invoice_receive(
        buyer=de_buyer,
        source=invoice_xml(seller=other, buyer=de_buyer, number="T-1"),
        channel="api",
    ).invoice
    user = person(de_supplier, Role.BIDDER_USER)
    client.force_login(user)
    listed = {row["number"] for row in client.get("/api/invoices/").json()["results"]}
    assert listed == {"M-1"}
    assert client.get(f"/api/invoices/{theirs.public_id}/").status_code == 404
    assert client.get(f"/api/invoices/{mine.public_id}/").status_code == 200
    assert client.get(reverse("ap-invoice-original", args=[theirs.public_id])).status_code == 404
    # and supplier users cannot act as AP staff
    response = client.post(f"/api/invoices/{mine.public_id}/approve/")
    assert response.status_code == 403
    assert client.get(reverse("ap-inbox")).status_code == 403


def test_ap_staff_of_another_buyer_see_nothing(client, de_buyer, de_supplier, fr_buyer, fr_staff):
    invoice = invoice_receive(
        buyer=de_buyer, source=invoice_xml(seller=de_supplier, buyer=de_buyer), channel="api"
    ).invoice
    client.force_login(fr_staff["clerk"])
    assert client.get(reverse("ap-invoice", args=[invoice.public_id])).status_code == 404
    assert client.get("/api/invoices/").json()["results"] == []
    page = client.get(reverse("ap-inbox"))
    assert page.status_code == 200
    assert invoice.number not in page.content.decode()


def _bulk_invoices(buyer, supplier, n):
    doc = invoice_receive(
        buyer=buyer, source=invoice_xml(seller=supplier, buyer=buyer), channel="api"
    ).invoice.document
    Invoice.objects.bulk_create(
        [
            Invoice(
                buyer=buyer,
                document=doc,
                sha256=f"{i:064x}",
                channel="api",
                number=f"B-{i}",
                seller_name=supplier.name,
                supplier=supplier,
                payable_amount=Decimal(i),
                currency="EUR",
            )
            for i in range(1, n + 1)
        ]
    )


def test_inbox_query_count_does_not_grow_with_page_size(client, de_buyer, de_supplier, staff):
    _bulk_invoices(de_buyer, de_supplier, 120)
    client.force_login(staff["clerk"])
    counts = []
    for size in (25, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("ap-inbox"), {"size": size})
        assert response.status_code == 200
        assert response.content.decode().count('name="invoice"') == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_inbox_filters(client, de_buyer, de_supplier, staff):
    _bulk_invoices(de_buyer, de_supplier, 30)
    client.force_login(staff["approver"])
    page = client.get(reverse("ap-inbox"), {"amount_min": "10", "amount_max": "12"})
    body = page.content.decode()
    assert body.count('name="invoice"') == 3
    page = client.get(reverse("ap-inbox"), {"supplier": "nobody-such"})
    assert page.content.decode().count('name="invoice"') == 0
    page = client.get(reverse("ap-inbox"), {"state": "paid"})
    assert page.content.decode().count('name="invoice"') == 0


def test_invoice_page_links_findings_to_fields(client, de_buyer, de_supplier, staff):
    import re

    from invoicing.services.validation import invoice_validate

    data = re.sub(
        rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>",
        b"",
        invoice_xml(seller=de_supplier, buyer=de_buyer),
    )
    invoice = invoice_receive(buyer=de_buyer, source=data, channel="api").invoice
    invoice_validate(invoice_id=invoice.pk)
    client.force_login(staff["clerk"])
    body = client.get(reverse("ap-invoice", args=[invoice.public_id])).content.decode()
    assert 'data-rule="BR-DE-15"' in body
    assert 'href="#field-BT-10"' in body
    assert 'id="field-BT-10"' in body
    assert "srcdoc=" in body  # the readable rendering beside the findings
    assert "audit-trail" in body


def test_supplier_with_a_contract_posts_to_the_buyers_inbox(client, de_buyer, de_supplier):
    from tests.invoicing.factories import make_contract

    make_contract(authority=de_buyer, supplier=de_supplier, reference="VG-API")
    user = person(de_supplier, Role.BIDDER_USER)
    client.force_login(user)
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="SUP-1")
    response = client.post(
        f"/api/invoices/?buyer={de_buyer.public_id}",
        data=data,
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    assert invoice.supplier == de_supplier
    assert invoice.buyer == de_buyer
    # and the supplier sees it, but the buyer's inbox stays closed to them
    assert client.get(f"/api/invoices/{invoice.public_id}/").status_code == 200
    assert client.get(reverse("ap-inbox")).status_code == 403


def test_api_accepts_a_facturx_pdf(
    client, de_buyer, fr_supplier, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff["clerk"])
    pdf = invoice_xml(seller=fr_supplier, buyer=de_buyer, number="PDF-1", fmt="facturx")
    assert pdf.startswith(b"%PDF")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/invoices/", data=pdf, content_type="text/plain")
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    assert invoice.document.content_type == "application/pdf"
    assert invoice.number == "PDF-1"
    assert invoice.validation_report.verdict == "accept", invoice.validation_report.findings
    report = client.get(f"/api/invoices/{invoice.public_id}/report.xml")
    assert b"http://www.xoev.de/de/validator/varl/1" in report.content
    original = client.get(reverse("ap-invoice-original", args=[invoice.public_id]))
    assert original.content == pdf
    assert original["X-Content-SHA256"] == invoice.sha256


def test_api_post_flags_duplicates_recognises_the_supplier_and_answers_in_full(
    client, de_buyer, de_supplier, staff
):
    from rest_framework import serializers

    from invoicing.api.serializers import InvoiceOut

    class BuiltEachTime(InvoiceOut):
        def get_fields(self):
            return serializers.ModelSerializer.get_fields(self)

    # given a clerk posting an invoice, then the same invoice as CII (other bytes)
    client.force_login(staff["clerk"])
    first = client.post(
        "/api/invoices/",
        data=invoice_xml(seller=de_supplier, buyer=de_buyer, number="DUP-API"),
        content_type="application/xml",
    )
    second = client.post(
        "/api/invoices/",
        data=invoice_xml(seller=de_supplier, buyer=de_buyer, number="DUP-API", fmt="xrechnung-cii"),
        content_type="application/xml",
    )

    # then both are in the clerk's inbox, the second flagged, both from the known supplier
    assert (first.status_code, second.status_code) == (201, 201)
    original = Invoice.objects.get(public_id=first.json()["id"])
    duplicate = Invoice.objects.get(public_id=second.json()["id"])
    assert (original.buyer, duplicate.buyer) == (de_buyer, de_buyer)
    assert (original.supplier, duplicate.supplier) == (de_supplier, de_supplier)
    assert duplicate.duplicate_of == original
    assert second.json()["duplicate_of"] == str(original.public_id)
    assert first.json()["duplicate_of"] is None
    # and the answer is what the serializer gives when it builds its fields afresh
    for response, invoice in ((first, original), (second, duplicate)):
        rebuilt = BuiltEachTime(invoice).data
        assert InvoiceOut(invoice).data == rebuilt
        assert set(response.json()) == set(rebuilt)
        assert response.json()["number"] == rebuilt["number"] == "DUP-API"
        assert response.json()["id"] == rebuilt["id"]
    assert InvoiceOut(original).fields["state"] is not InvoiceOut(duplicate).fields["state"]


def test_api_post_asks_a_clerk_of_several_inboxes_which_one(client, de_buyer, de_supplier, staff):
    from tests.invoicing.factories import german_authority

    other = german_authority(name="Stadt Zweite", leitweg_id="04011000-1234512345-06")
    clerk = staff["clerk"]
    clerk.memberships.create(organisation=other, role=Role.AP_CLERK)
    client.force_login(clerk)
    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="TWO-1")

    ambiguous = client.post(
        "/api/invoices/", data=data, content_type="application/xml", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert ambiguous.status_code == 403
    assert "several inboxes" in ambiguous.json()["detail"]
    assert not Invoice.objects.exists()

    chosen = client.post(
        f"/api/invoices/?buyer={other.public_id}", data=data, content_type="application/xml"
    )
    assert chosen.status_code == 201
    assert Invoice.objects.get().buyer == other
