"""The invoice page speaks the reader's language in its history table and findings heading."""

import re

import pytest
from django.urls import reverse

from invoicing.services.intake import invoice_receive
from invoicing.services.validation import invoice_validate
from tests.invoicing.factories import invoice_xml


@pytest.fixture
def refused_invoice(de_buyer, de_supplier):
    data = re.sub(
        rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>",
        b"",
        invoice_xml(seller=de_supplier, buyer=de_buyer),
    )
    invoice = invoice_receive(buyer=de_buyer, source=data, channel="api").invoice
    invoice_validate(invoice_id=invoice.pk)
    return invoice


def _history(client, invoice, language: str) -> str:
    page = client.get(
        reverse("ap-invoice", args=[invoice.public_id]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    return page.content.decode().split('class="audit-trail"')[1]


@pytest.mark.parametrize(
    ("language", "started", "refused"),
    [
        ("de", "Prüfung begonnen", "Als ungültig erkannt"),
        ("fr", "Contrôle commencé", "Reconnue non conforme"),
    ],
)
def test_history_shows_transition_labels_in_the_readers_language(
    client, staff, refused_invoice, language, started, refused
):
    # given an invoice the engine found invalid
    client.force_login(staff["clerk"])
    # when the clerk reads its history in German or French
    history = _history(client, refused_invoice, language)
    # then each step has its label, the raw transition name kept beside it for auditors
    assert f'title="begin_validation">{started} <small><code>begin_validation</code>' in history
    assert f'title="refuse">{refused} <small><code>refuse</code>' in history
    assert ">begin_validation<" in history  # only inside the small code text
    assert "Validation started" not in history


@pytest.mark.parametrize(
    ("language", "verdict"),
    [("de", "Ablehnung empfohlen"), ("fr", "Rejet recommandé")],
)
def test_findings_heading_shows_the_verdict_in_the_readers_language(
    client, staff, refused_invoice, language, verdict
):
    # given an invoice the engine recommends rejecting
    client.force_login(staff["clerk"])
    # when the clerk opens it in German or French
    page = client.get(
        reverse("ap-invoice", args=[refused_invoice.public_id]), HTTP_ACCEPT_LANGUAGE=language
    )
    # then the findings heading names the verdict in that language, the raw code only as data
    heading = re.search(
        r"<h2>[^<]*<span class=\"verdict[^>]*>([^<]*)</span>", page.content.decode()
    )
    assert heading is not None
    assert heading.group(1) == verdict
    assert 'data-verdict="reject"' in heading.group(0)


def test_unknown_verdict_shows_its_raw_code(refused_invoice):
    from invoicing.models import ValidationReport

    # given a verdict code this version does not know
    report = ValidationReport(verdict="review")
    # then it is shown as stored
    assert report.verdict_label == "review"


def test_supplier_page_shows_the_verdict_in_french(client, de_supplier, refused_invoice):
    from procurement.core.roles import Role
    from tests.factories import person

    # given the supplier of an invoice the engine recommends rejecting
    client.force_login(person(de_supplier, Role.BIDDER_USER))
    # when it reads its invoice page in French
    page = client.get(
        reverse("supplier-invoice", args=[refused_invoice.public_id]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    # then the verdict is French
    assert '<span class="verdict verdict-reject" data-verdict="reject">Rejet recommandé</span>' in (
        page.content.decode()
    )
