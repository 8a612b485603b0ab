"""Reads: inbox lists, visibility by role, contracts (the one door to bids.Contract)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Q, QuerySet, Sum

from invoicing.errors import ErrorCode
from invoicing.models import Invoice
from procurement.core.errors import DomainError
from procurement.core.roles import BIDDER_ROLES, Role, organisations_with_role

AP_ROLES = (Role.AP_CLERK, Role.AP_APPROVER)
# Invoices that use up a contract's value.
COMMITTED_STATES = (
    Invoice.State.MATCHED,
    Invoice.State.APPROVED,
    Invoice.State.RELEASED,
    Invoice.State.PAID,
)
INVOICEABLE_CONTRACT_STATES = ("concluded",)


class ContractModelMissingError(DomainError):
    status_code = 503
    code = ErrorCode.NO_CONTRACT


def contract_model() -> Any:
    """``bids.Contract``; raises ``ContractModelMissingError`` while the bids app lacks it."""
    try:
        return django_apps.get_model("bids", "Contract")
    except LookupError as exc:
        raise ContractModelMissingError(
            "bids.Contract is not available: contract matching and supplier invoicing need the "
            "contract model agreed in TEAM.md (reference, authority, supplier, value_net, …)."
        ) from exc


def contracts_available() -> bool:
    try:
        contract_model()
    except ContractModelMissingError:
        return False
    return True


def contract_get(*, contract_id: int | None, lock: bool = False) -> Any:
    """The contract; with ``lock`` its row is locked (not written) so that invoices matched
    against its remaining value at the same time are checked one after the other."""
    if contract_id is None:
        return None
    qs = contract_model().objects.select_related("authority", "supplier")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(pk=contract_id).first()


def contracts_for_buyer(*, buyer_id: int) -> QuerySet:
    return (
        contract_model()
        .objects.filter(authority_id=buyer_id, state__in=INVOICEABLE_CONTRACT_STATES)
        .select_related("supplier", "authority")
    )


def contracts_for_supplier_user(*, user: Any) -> QuerySet:
    """Concluded contracts of every organisation in which ``user`` is a bidder user/admin."""
    orgs = organisations_with_role(user, BIDDER_ROLES)
    return (
        contract_model()
        .objects.filter(supplier_id__in=orgs, state__in=INVOICEABLE_CONTRACT_STATES)
        .select_related("supplier", "authority")
        .order_by("-pk")
    )


def contract_remaining(*, contract: Any, excluding: int | None = None) -> Decimal:
    """Contract value minus what matched/approved/released/paid invoices already claim (net);
    credit notes give value back."""
    base = Invoice.objects.filter(contract_id=contract.pk, state__in=COMMITTED_STATES)
    if excluding:
        base = base.exclude(pk=excluding)
    sums = base.aggregate(
        invoiced=Sum("net_amount", filter=Q(kind=Invoice.Kind.INVOICE)),
        credited=Sum("net_amount", filter=Q(kind=Invoice.Kind.CREDIT_NOTE)),
    )
    invoiced, credited = sums["invoiced"], sums["credited"]
    return Decimal(contract.value_net) - (invoiced or Decimal("0")) + (credited or Decimal("0"))


def ap_organisations(*, user: Any) -> list[int]:
    return organisations_with_role(user, AP_ROLES)


def invoices_visible_to(*, user: Any) -> QuerySet[Invoice]:
    """AP staff see their organisation's inbox; supplier users only their own organisation's
    invoices. Everybody else sees nothing."""
    buyers = ap_organisations(user=user)
    suppliers = organisations_with_role(user, BIDDER_ROLES)
    if not buyers and not suppliers:
        return Invoice.objects.none()
    return Invoice.objects.filter(Q(buyer_id__in=buyers) | Q(supplier_id__in=suppliers))


def invoice_inbox(
    *,
    user: Any,
    state: str = "",
    supplier: str = "",
    due_before: Any = None,
    due_after: Any = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
) -> QuerySet[Invoice]:
    """The AP inbox of the buyer organisations ``user`` works for, filtered. The page renders
    only columns of this queryset and its ``select_related`` rows: no query per row."""
    buyers = ap_organisations(user=user)
    qs = Invoice.objects.filter(buyer_id__in=buyers).select_related("supplier", "buyer")
    if state:
        qs = qs.filter(state=state)
    if supplier:
        qs = qs.filter(
            Q(seller_name__icontains=supplier)
            | Q(supplier__name__icontains=supplier)
            | Q(seller_vat_id__iexact=supplier)
            | Q(seller_legal_id=supplier)
        )
    if due_before:
        qs = qs.filter(due_date__lte=due_before)
    if due_after:
        qs = qs.filter(due_date__gte=due_after)
    if amount_min is not None:
        qs = qs.filter(payable_amount__gte=amount_min)
    if amount_max is not None:
        qs = qs.filter(payable_amount__lte=amount_max)
    return qs.order_by("-received_at", "-pk")
