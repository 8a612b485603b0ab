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
