"""Who may see or touch which invoice: the checks every view and API endpoint goes through."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from invoicing import selectors
from invoicing.errors import InvoiceForbiddenError
from invoicing.models import Invoice
from procurement.core.models import Membership, Organisation
from procurement.core.roles import BIDDER_ROLES, Role, has_role, organisations_with_role


def invoice_for(*, user: Any, public_id: Any, staff_only: bool = False) -> Invoice:
    """The invoice if ``user`` may see it (AP staff of the buyer, or its supplier's users);
    404 otherwise, so invoice ids leak nothing. ``staff_only`` also refuses supplier users."""
    invoice = (
        selectors.invoices_visible_to(user=user)
        .select_related("buyer", "supplier", "document", "duplicate_of")
        .filter(public_id=public_id)
        .first()
    )
    if invoice is None:
        raise Http404("No such invoice")
    if staff_only and not is_ap_staff(user, invoice.buyer_id):
        raise InvoiceForbiddenError(_("Only accounts-payable staff of the buyer can do this."))
    return invoice


def is_ap_staff(user: Any, buyer_id: int) -> bool:
    return has_role(user, buyer_id, [Role.AP_CLERK, Role.AP_APPROVER])


def inbox_for_post(*, user: Any, buyer: str | None) -> tuple[Organisation, Organisation | None]:
    """The inbox an upload goes to, and the supplier organisation when a supplier posts.

    AP clerks post into their own organisation's inbox; supplier users post to a buyer with
    whom their organisation has a concluded contract.
    """
    if buyer:
        target = Organisation.objects.filter(
            public_id=buyer, kind=Organisation.Kind.AUTHORITY
        ).first()
        if target is None:
            raise InvoiceForbiddenError(_("Unknown buyer organisation."), field="buyer")
        if target.pk in organisations_with_role(user, [Role.AP_CLERK]):
            return target, None
    else:
        # The usual caller, a clerk of one inbox: the organisation in the same query.
        inboxes = _clerk_inboxes(user)
        if len(inboxes) == 1:
            return inboxes[0], None
        if len(inboxes) > 1:
            raise InvoiceForbiddenError(
                _("You work for several inboxes: pass ?buyer=<id>."), field="buyer"
            )
        target = None
    supplier_orgs = organisations_with_role(user, BIDDER_ROLES)
    if target is not None and supplier_orgs:
        contract = (
            selectors.contract_model()
            .objects.filter(
                authority=target,
                supplier_id__in=supplier_orgs,
                state__in=selectors.INVOICEABLE_CONTRACT_STATES,
            )
            .select_related("supplier")
            .first()
        )
        if contract is not None:
            return target, contract.supplier
    raise InvoiceForbiddenError(
        _(
            "You may not submit invoices to this inbox: AP clerks of the buyer, or users of a "
            "supplier with a concluded contract with it, can."
        )
    )


def _clerk_inboxes(user: Any) -> list[Organisation]:
    """Up to two organisations in which ``user`` is an active AP clerk (two: more than one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    clerk_of = Membership.objects.filter(user=user, role=Role.AP_CLERK, active=True)
    organisations = Organisation.objects.filter(pk__in=clerk_of.values("organisation_id"))
    return list(organisations.order_by("pk")[:2])
