"""Roles people hold in an organisation, and the checks every view, API and transition uses."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    APPROVER = "approver", _("Approver")
    OPENING_COMMITTEE = "opening_committee", _("Opening-committee member")
    EVALUATOR = "evaluator", _("Evaluator")
    AP_CLERK = "ap_clerk", _("Accounts-payable clerk")
    AP_APPROVER = "ap_approver", _("Accounts-payable approver")
    BIDDER_ADMIN = "bidder_admin", _("Bidder administrator")
    BIDDER_USER = "bidder_user", _("Bidder user")


AUTHORITY_ROLES = frozenset(
    {
        Role.PROCUREMENT_OFFICER,
        Role.APPROVER,
        Role.OPENING_COMMITTEE,
        Role.EVALUATOR,
        Role.AP_CLERK,
        Role.AP_APPROVER,
    }
)
OPERATOR_ROLES = frozenset({Role.BIDDER_ADMIN, Role.BIDDER_USER})
BIDDER_ROLES = OPERATOR_ROLES


def user_roles(user: Any, organisation: Any) -> frozenset[str]:
    """The roles ``user`` holds in ``organisation`` (empty for anonymous users or no org)."""
    if user is None or not getattr(user, "is_authenticated", False) or organisation is None:
        return frozenset()
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    cache: dict[int, frozenset[str]] = user.__dict__.setdefault("_zuschlag_roles", {})
    if org_id not in cache:
        from procurement.core.models import Membership

        cache[org_id] = frozenset(
            Membership.objects.filter(user=user, organisation_id=org_id, active=True).values_list(
                "role", flat=True
            )
        )
    return cache[org_id]


def has_role(user: Any, organisation: Any, roles: Iterable[str]) -> bool:
    """True when ``user`` holds at least one of ``roles`` in ``organisation``."""
    return bool(user_roles(user, organisation) & set(roles))


def role_permission(*roles: str, organisation: Callable[[Any], Any]) -> Callable[[Any, Any], bool]:
    """A django-fsm ``permission=`` callable: the user holds one of ``roles`` in the object's org.

    ``organisation`` maps the instance to the organisation whose membership counts (for a tender:
    its contracting authority; for a bid: the bidder organisation).
    """

    def check(instance: Any, user: Any) -> bool:
        return has_role(user, organisation(instance), roles)

    check.__name__ = f"requires_{'_or_'.join(roles)}"
    check.roles = roles  # type: ignore[attr-defined]
    return check


def organisations_with_role(user: Any, roles: Iterable[str]) -> list[int]:
    """Primary keys of every organisation in which ``user`` holds one of ``roles``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    from procurement.core.models import Membership

    return list(
        Membership.objects.filter(user=user, role__in=list(roles), active=True)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
