"""Helpers every tender service shares: locking, role and state checks, code validation."""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from procurement.core.roles import Role, has_role
from tenders.errors import ErrorCode, TenderForbiddenError, TenderStateError, TenderValidationError
from tenders.models import Tender, TenderState

if TYPE_CHECKING:
    from tenders.codes import CodeError

ROLE_LABELS = {role.value: str(role.label) for role in Role}


def state_label(state: str) -> str:
    try:
        return str(TenderState(state).label)
    except ValueError:
        return state


def lock_tender(tender_id: int) -> Tender:
    """The tender row, locked for the rest of the transaction."""
    return Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)


def require_role(*, actor: Any, tender: Tender, roles: tuple[str, ...], action: str) -> None:
    if not has_role(actor, tender.authority, roles):
        needed = " / ".join(ROLE_LABELS.get(role, role) for role in roles)
        raise TenderForbiddenError(
            _("%(action)s needs the role “%(roles)s” in %(authority)s.")
            % {"action": action, "roles": needed, "authority": tender.authority.name}
        )


def require_editable(tender: Tender) -> None:
    if tender.state != TenderState.DRAFT:
        raise TenderStateError(
            _(
                "Tender %(ref)s is “%(state)s”: only drafts can be edited. An approver can "
                "return a tender pending approval to draft."
            )
            % {"ref": tender.reference, "state": state_label(tender.state)},
            code=ErrorCode.NOT_EDITABLE,
        )


def authorize_transition(*, tender: Tender, name: str, actor: Any, action: str) -> None:
    """State first (409 with the current state), then the transition's permission (403), then
    its guards (409). Services check the detailed legal rules before calling this."""
    # get_all_<field>_transitions lists every transition of the field; keep those leaving
    # the current state (guards are checked last, after the role).
    leaving = [
        t
        for t in tender.get_all_state_transitions()
        if t.name == name and t.source in (tender.state, "*", "+")
    ]
    if not leaving:
        raise TenderStateError(
            _("%(action)s is not possible: tender %(ref)s is “%(state)s”.")
            % {"action": action, "ref": tender.reference, "state": state_label(tender.state)}
        )
    method = getattr(tender, name)
    # The role first (403): django-fsm's has_transition_perm also requires the guards, so on its
    # own it would report a guard that is not yet met as a missing role.
    if actor is not None and not leaving[0].has_perm(tender, actor):
        roles = getattr(leaving[0].permission, "roles", ())
        needed = " / ".join(ROLE_LABELS.get(role, role) for role in roles)
        raise TenderForbiddenError(
            _("%(action)s needs the role “%(roles)s” in %(authority)s.")
            % {"action": action, "roles": needed, "authority": tender.authority.name}
        )
    if not can_proceed(method):
        raise TenderStateError(
            _("%(action)s is not possible yet for tender %(ref)s (state “%(state)s”).")
            % {"action": action, "ref": tender.reference, "state": state_label(tender.state)}
        )
    if actor is not None and not has_transition_perm(method, actor):
        raise TenderForbiddenError(
            _("%(action)s is not allowed for you on tender %(ref)s.")
            % {"action": action, "ref": tender.reference}
        )


def code_error_text(error: "CodeError") -> str:
    """A CPV/NUTS check's refusal in the reader's language (the checks themselves are
    Django-free and write English)."""
    return _(error.template) % error.params if error.params else _(error.template)


def check_cpv(code: str, *, field: str) -> str:
    """The normalised CPV code, or ``TenderValidationError`` naming the field."""
    from tenders.codes import CodeError, cpv_validate

    try:
        return cpv_validate(code, field=field)
    except CodeError as error:
        raise TenderValidationError(
            [(field, code_error_text(error))], code=ErrorCode.CPV
        ) from error


def check_nuts(code: str, *, field: str) -> str:
    from tenders.codes import CodeError, nuts_validate

    try:
        return nuts_validate(code, field=field)
    except CodeError as error:
        raise TenderValidationError(
            [(field, code_error_text(error))], code=ErrorCode.NUTS
        ) from error
