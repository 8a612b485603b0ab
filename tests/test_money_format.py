"""Amounts on pages are grouped and written as the reader's language writes them."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from procurement.core.templatetags.money import money

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "300.000,00 EUR"),
        ("en", "300,000.00 EUR"),
        ("fr", f"300{NBSP}000,00 EUR"),
    ],
)
def test_an_amount_reads_as_the_language_writes_it(lang, expected):
    with translation.override(lang):
        assert money(Decimal("300000"), "EUR") == expected
        rendered = Template("{% load money %}{{ v|money:c }}").render(
            Context({"v": Decimal("300000.00"), "c": "EUR"})
        )
    assert rendered == expected


def test_missing_and_odd_values():
    with translation.override("de"):
        assert money(None, "EUR") == ""
        assert money("", "EUR") == ""
        assert money(Decimal("0.5")) == "0,50"
        assert money(Decimal("-1234.5"), "CHF") == "-1.234,50 CHF"
        assert money("n/a", "EUR") == "n/a"


@pytest.mark.django_db
def test_the_portal_shows_the_estimated_value_grouped(authority, officer, approver, client):
    from tests.tenders.factories import published_tender

    tender = published_tender(authority=authority, officer=officer, approver=approver)
    tender.estimated_value = Decimal("300000.00")
    tender.save(update_fields=["estimated_value"])
    page = client.get(f"/portal/{tender.reference}/", HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    assert "300.000,00 EUR" in page.content.decode()


@pytest.mark.django_db
def test_the_invoice_page_shows_amounts_grouped(client):
    from invoicing.models import Invoice
    from invoicing.services.intake import invoice_receive
    from invoicing.services.validation import invoice_validate
    from tests.invoicing import factories as f

    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    source = f.invoice_xml(
        seller=f.german_supplier(), buyer=buyer, number="RE-BIG", amount=Decimal("123456.78")
    )
    invoice = invoice_receive(buyer=buyer, source=source, channel="api").invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice = Invoice.objects.get(pk=invoice.pk)
    client.force_login(staff["clerk"])
    page = client.get(f"/ap/invoices/{invoice.public_id}/", HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    with translation.override("de"):
        expected = money(invoice.payable_amount, "EUR")
    assert re.fullmatch(r"\d{3}\.\d{3},\d{2} EUR", expected)  # grouped
    assert expected in page.content.decode()
