"""Who may do what on the invoicing pages and API (rows for the project's role matrix)."""

import pytest
from django.urls import reverse

from invoicing.services.intake import invoice_receive
from procurement.core.roles import Role
from tests.factories import person
from tests.invoicing.factories import invoice_xml

pytestmark = pytest.mark.django_db

ROLES = ["ap_clerk", "ap_approver", "procurement_officer", "other_ap_clerk", "supplier",
         "other_supplier", "anonymous"]
# (url name, needs invoice, expected status per role)
MATRIX = {
    "ap-inbox": (False, {"ap_clerk": 200, "ap_approver": 200, "procurement_officer": 403,
                         "other_ap_clerk": 200, "supplier": 403, "other_supplier": 403,
                         "anonymous": 302}),
    "ap-invoice": (True, {"ap_clerk": 200, "ap_approver": 200, "procurement_officer": 404,
                          "other_ap_clerk": 404, "supplier": 302, "other_supplier": 404,
                          "anonymous": 302}),
    "ap-invoice-original": (True, {"ap_clerk": 200, "ap_approver": 200,
                                   "procurement_officer": 404, "other_ap_clerk": 404,
                                   "supplier": 200, "other_supplier": 404, "anonymous": 302}),
    "supplier-invoices": (False, {"ap_clerk": 403, "ap_approver": 403,
                                  "procurement_officer": 403, "other_ap_clerk": 403,
                                  "supplier": (200, 503), "other_supplier": (200, 503),
                                  "anonymous": 302}),
}


@pytest.fixture
def world(de_buyer, de_supplier, fr_buyer, fr_supplier):
    invoice = invoice_receive(buyer=de_buyer, source=invoice_xml(seller=de_supplier,
                              buyer=de_buyer), channel="api").invoice
    return invoice, {
        "ap_clerk": person(de_buyer, Role.AP_CLERK),
        "ap_approver": person(de_buyer, Role.AP_APPROVER),
        "procurement_officer": person(de_buyer, Role.PROCUREMENT_OFFICER),
        "other_ap_clerk": person(fr_buyer, Role.AP_CLERK),
        "supplier": person(de_supplier, Role.BIDDER_USER),
        "other_supplier": person(fr_supplier, Role.BIDDER_USER),
        "anonymous": None,
    }


@pytest.mark.parametrize("name", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, world, name, role):
    invoice, people = world
    needs_invoice, expected = MATRIX[name]
    if people[role] is not None:
        client.force_login(people[role])
    url = reverse(name, args=[invoice.public_id] if needs_invoice else [])
    status = client.get(url).status_code
    allowed = expected[role] if isinstance(expected[role], tuple) else (expected[role],)
    assert status in allowed, f"{role} on {name}: {status}"


@pytest.mark.parametrize("role", ["ap_approver", "procurement_officer", "supplier",
                                  "other_ap_clerk"])
def test_only_clerks_reject_and_match(client, world, role):
    invoice, people = world
    client.force_login(people[role])
    for action in ("reject", "match"):
        response = client.post(reverse("ap-invoice-action", args=[invoice.public_id, action]))
        assert response.status_code in (403, 404, 409)
    invoice.refresh_from_db()
    assert invoice.state == "received"


def test_demo_seed_creates_invoices_in_several_states(db):
    from invoicing.demo import seed
    from invoicing.models import Invoice
    from procurement.core.demo import seed_core

    context = seed_core()
    seed(context)
    states = set(Invoice.objects.values_list("state", flat=True))
    assert {"valid", "rejected"} <= states
    assert Invoice.objects.filter(duplicate_of__isnull=False).exists()
