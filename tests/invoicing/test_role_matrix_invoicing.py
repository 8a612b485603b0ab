"""Who may do what on the invoicing pages and API (rows for the project's role matrix)."""

import pytest
from django.urls import reverse

from invoicing.services.intake import invoice_receive
from procurement.core.roles import Role
from tests.factories import person
from tests.invoicing.factories import invoice_xml
from tests.test_role_matrix import PERSONAS, Action, World, make_actor

pytestmark = pytest.mark.django_db

ROLES = [
    "ap_clerk",
    "ap_approver",
    "procurement_officer",
    "other_ap_clerk",
    "supplier",
    "other_supplier",
    "anonymous",
]
# (url name, needs invoice, expected status per role)
MATRIX = {
    "ap-inbox": (
        False,
        {
            "ap_clerk": 200,
            "ap_approver": 200,
            "procurement_officer": 403,
            "other_ap_clerk": 200,
            "supplier": 403,
            "other_supplier": 403,
            "anonymous": 302,
        },
    ),
    "ap-invoice": (
        True,
        {
            "ap_clerk": 200,
            "ap_approver": 200,
            "procurement_officer": 404,
            "other_ap_clerk": 404,
            "supplier": 302,
            "other_supplier": 404,
            "anonymous": 302,
        },
    ),
    "ap-invoice-original": (
        True,
        {
            "ap_clerk": 200,
            "ap_approver": 200,
            "procurement_officer": 404,
            "other_ap_clerk": 404,
            "supplier": 200,
            "other_supplier": 404,
            "anonymous": 302,
        },
    ),
    "supplier-invoices": (
        False,
        {
            "ap_clerk": 403,
            "ap_approver": 403,
            "procurement_officer": 403,
            "other_ap_clerk": 403,
            "supplier": (200, 503),
            "other_supplier": (200, 503),
            "anonymous": 302,
        },
    ),
}


@pytest.fixture
def world(de_buyer, de_supplier, fr_buyer, fr_supplier):
    invoice = invoice_receive(
        buyer=de_buyer, source=invoice_xml(seller=de_supplier, buyer=de_buyer), channel="api"
    ).invoice
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


@pytest.mark.parametrize(
    "role", ["ap_approver", "procurement_officer", "supplier", "other_ap_clerk"]
)
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


# --- Service level: the project's role matrix (tests/test_role_matrix.py) for invoice actions.
# Same personas, same rule: a refused attempt raises TransitionForbiddenError and changes nothing.


CLERK = frozenset({Role.AP_CLERK})
APPROVER = frozenset({Role.AP_APPROVER})
AP_STAFF = CLERK | APPROVER
SUPPLIER = frozenset({Role.BIDDER_ADMIN, Role.BIDDER_USER})


def _invoice(world: World, state: str):
    from decimal import Decimal

    from invoicing.models import Invoice
    from invoicing.services.validation import invoice_validate
    from tests.invoicing.factories import make_contract

    buyer, seller = world.authority, world.operator
    buyer.iban, buyer.bic = "DE02120300000000202051", "BYLADEM1001"
    buyer.save(update_fields=["iban", "bic"])
    seller.iban = "DE89370400440532013000"
    seller.save(update_fields=["iban"])
    n = Invoice.objects.count() + 1
    reference = f"VG-RM-{n}"
    make_contract(
        authority=buyer, supplier=seller, reference=reference, value_net=Decimal("100000")
    )
    data = invoice_xml(seller=seller, buyer=buyer, number=f"RM-{n}", contract_reference=reference)
    if state == "invalid":
        data = data.replace(b"<cbc:BuyerReference>", b"<cbc:Note>").replace(
            b"</cbc:BuyerReference>", b"</cbc:Note>"
        )
    invoice = invoice_receive(buyer=buyer, source=data, channel="api").invoice
    if state == "received":
        return invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    if state in ("approved", "released"):
        approver = person(buyer, Role.AP_APPROVER)
        invoice.approve(by=approver)
        invoice.save()
    if state == "released":
        from invoicing.services.payment import payment_run_create

        payment_run_create(
            buyer=buyer, invoice_ids=[invoice.pk], actor=person(buyer, Role.AP_APPROVER)
        )
        invoice.refresh_from_db()
    assert invoice.state == state, (state, invoice.state, invoice.match_result)
    return invoice


def _state(invoice):
    invoice.refresh_from_db()
    return invoice.state, invoice.first_approval_by_id


def _svc(module: str, name: str):
    import importlib

    return getattr(importlib.import_module(f"invoicing.services.{module}"), name)


def _supplier_create(world, contract, actor):
    from datetime import date

    _svc("supplier", "supplier_invoice_create")(
        contract_id=contract.pk,
        actor=actor,
        number=f"SUP-{actor.pk}",
        issue_date=date(2026, 11, 20),
        fmt="xrechnung-ubl",
        contact_phone="+49 1",
    )


def _contract(world):
    from tests.invoicing.factories import make_contract

    return make_contract(
        authority=world.authority, supplier=world.operator, reference=f"VG-SUP-{world.operator.pk}"
    )


INVOICE_ACTIONS = [
    Action(
        "invoice.validate",
        prepare=lambda w: _invoice(w, "received"),
        perform=lambda w, i, a: _svc("validation", "invoice_validate")(invoice_id=i.pk, actor=a),
        allowed=CLERK,
        snapshot=_state,
    ),
    Action(
        "invoice.reject",
        prepare=lambda w: _invoice(w, "invalid"),
        perform=lambda w, i, a: _svc("workflow", "invoice_reject")(
            invoice_id=i.pk, actor=a, reason="x"
        ),
        allowed=CLERK,
        snapshot=_state,
    ),
    Action(
        "invoice.approve",
        prepare=lambda w: _invoice(w, "matched"),
        perform=lambda w, i, a: _svc("workflow", "invoice_approve")(invoice_id=i.pk, actor=a),
        allowed=APPROVER,
        snapshot=_state,
    ),
    Action(
        "invoice.dispute",
        prepare=lambda w: _invoice(w, "matched"),
        perform=lambda w, i, a: _svc("workflow", "invoice_dispute")(
            invoice_id=i.pk, actor=a, reason="Menge?"
        ),
        allowed=AP_STAFF,
        snapshot=_state,
    ),
    Action(
        "invoice.release",
        prepare=lambda w: _invoice(w, "approved"),
        perform=lambda w, i, a: _svc("payment", "payment_run_create")(
            buyer=i.buyer, invoice_ids=[i.pk], actor=a
        ),
        allowed=APPROVER,
        snapshot=_state,
    ),
    Action(
        "invoice.mark_paid",
        prepare=lambda w: _invoice(w, "released"),
        perform=lambda w, i, a: _svc("workflow", "invoice_mark_paid")(invoice_id=i.pk, actor=a),
        allowed=AP_STAFF,
        snapshot=_state,
    ),
    Action(
        "invoice.supplier_create",
        prepare=_contract,
        perform=_supplier_create,
        allowed=SUPPLIER,
        snapshot=lambda c: c.invoices.count(),
    ),
]


@pytest.fixture
def matrix_world(db) -> World:
    from tests.factories import AuthorityFactory, OperatorFactory

    authority = AuthorityFactory()
    return World(
        authority=authority,
        operator=OperatorFactory(),
        officer=person(authority, Role.PROCUREMENT_OFFICER),
        approver=person(authority, Role.APPROVER),
        committee=[person(authority, Role.OPENING_COMMITTEE) for _ in range(2)],
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", INVOICE_ACTIONS, ids=lambda a: a.name)
def test_invoice_role_matrix(matrix_world, action, persona):
    from procurement.core.errors import TransitionForbiddenError

    world = matrix_world
    obj = action.prepare(world)
    actor = make_actor(persona, world)
    before = action.snapshot(obj)
    if persona in action.allowed:
        action.perform(world, obj, actor)
    else:
        with pytest.raises(TransitionForbiddenError):
            action.perform(world, obj, actor)
        assert action.snapshot(obj) == before, f"{persona} changed something on {action.name}"
