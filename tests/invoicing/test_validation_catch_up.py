"""An invoice whose validation message was lost is validated by the deadline timer, once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from invoicing.models import Invoice, ValidationReport
from invoicing.services.intake import invoice_receive
from tests.invoicing.factories import invoice_xml
from workflows.timers import deadlines_tick, registered_deadlines

pytestmark = pytest.mark.django_db


def _waiting(buyer, supplier, number: str) -> Invoice:
    # In a django_db test the intake's on_commit task never fires: exactly a lost message.
    return invoice_receive(
        buyer=buyer,
        source=invoice_xml(seller=supplier, buyer=buyer, number=number),
        channel="api",
    ).invoice


def _state(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice.state


def test_the_timer_is_registered():
    assert "invoicing.validation_catch_up" in [d.name for d in registered_deadlines()]


def test_an_invoice_waiting_too_long_is_validated_once(de_buyer, de_supplier):
    invoice = _waiting(de_buyer, de_supplier, "LOST-1")
    soon = deadlines_tick(now=invoice.received_at + timedelta(minutes=5))
    assert "invoicing.validation_catch_up" not in soon.fired
    assert _state(invoice) == Invoice.State.RECEIVED  # a healthy queue is not raced

    late = invoice.received_at + timedelta(minutes=11)
    assert deadlines_tick(now=late).fired["invoicing.validation_catch_up"] == [invoice.pk]
    assert _state(invoice) in {Invoice.State.VALID, Invoice.State.MATCHED}
    assert ValidationReport.objects.filter(invoice=invoice).count() == 1

    again = deadlines_tick(now=late + timedelta(minutes=1))
    assert "invoicing.validation_catch_up" not in again.fired
    assert ValidationReport.objects.filter(invoice=invoice).count() == 1


def test_duplicates_and_settled_invoices_are_left_alone(de_buyer, de_supplier):
    first = _waiting(de_buyer, de_supplier, "DUP-1")
    duplicate = invoice_receive(
        buyer=de_buyer,
        # Same seller, number and date, other bytes: flagged at intake, never validated.
        source=invoice_xml(
            seller=de_supplier, buyer=de_buyer, number="DUP-1", amount=Decimal("999.00")
        ),
        channel="api",
    ).invoice
    assert duplicate.duplicate_of_id == first.pk
    result = deadlines_tick(now=first.received_at + timedelta(hours=1))
    assert result.fired["invoicing.validation_catch_up"] == [first.pk]
    assert _state(duplicate) == Invoice.State.RECEIVED
    assert not ValidationReport.objects.filter(invoice=duplicate).exists()


@override_settings(ZUSCHLAG_VALIDATION_CATCH_UP_MINUTES=60)
def test_the_wait_is_a_setting(de_buyer, de_supplier):
    invoice = _waiting(de_buyer, de_supplier, "LOST-2")
    assert (
        "invoicing.validation_catch_up"
        not in deadlines_tick(now=invoice.received_at + timedelta(minutes=30)).fired
    )
    assert deadlines_tick(now=invoice.received_at + timedelta(minutes=61)).fired[
        "invoicing.validation_catch_up"
    ] == [invoice.pk]
