"""Who may see or touch which invoice: the checks every view and API endpoint goes through."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from invoicing import selectors
from invoicing.errors import InvoiceForbiddenError
from invoicing.models import Invoice
from procurement.core.models import Organisation
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
    clerk_orgs = organisations_with_role(user, [Role.AP_CLERK])
    if buyer:
        target = Organisation.objects.filter(
            public_id=buyer, kind=Organisation.Kind.AUTHORITY
        ).first()
        if target is None:
            raise InvoiceForbiddenError(_("Unknown buyer organisation."), field="buyer")
        if target.pk in clerk_orgs:
            return target, None
    elif len(clerk_orgs) == 1:
        return Organisation.objects.get(pk=clerk_orgs[0]), None
    elif len(clerk_orgs) > 1:
        raise InvoiceForbiddenError(
            _("You work for several inboxes: pass ?buyer=<id>."), field="buyer"
        )
    else:
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
