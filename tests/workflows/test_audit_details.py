"""The history table's details column: payload values as people read them."""

import json

import pytest

from procurement.core.models import Organisation
from workflows.models import AuditEvent
from workflows.templatetags.workflows import audit_details

pytestmark = pytest.mark.django_db


def _event(payload):
    return AuditEvent(payload=payload)


def test_a_recorded_object_is_named_while_it_exists(authority):
    reference = {"model": Organisation._meta.label_lower, "pk": authority.pk}
    assert audit_details(_event({"buyer": reference, "reason": "ok"})) == [
        ("buyer", str(authority)),
        ("reason", "ok"),
    ]
    authority.delete()
    # Gone (or never there): the recorded reference itself, nothing invented.
    assert audit_details(_event({"buyer": reference})) == [("buyer", json.dumps(reference))]


@pytest.mark.parametrize(
    "value",
    [
        {"model": "no.such_model", "pk": 1},
        {"model": "procurement.organisation", "pk": "not-a-number"},
        {"model": "procurement.organisation", "pk": 1, "extra": True},
    ],
)
def test_anything_else_stays_as_recorded(value):
    ((key, text),) = audit_details(_event({"x": value}))
    assert key == "x"
    assert text.startswith("{")
