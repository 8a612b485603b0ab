"""The tender's state changes. Each service locks the row, checks role, state and legal rules,
calls the transition with ``by=`` and saves with ``update_fields``; workflows writes the audit."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.core.models import User
from procurement.core.roles import Role
from procurement.core.timeutil import berlin_date
from tenders.errors import TenderStateError, TenderValidationError
from tenders.hooks import run_publication_steps
from tenders.models import CancellationGround, Tender, TenderState
from tenders.services._common import authorize_transition, lock_tender
from tenders.services.drafting import ensure_ready, tender_problems
from workflows.four_eyes import ensure_second_person

TIMESTAMPS = {
    "submit": ["submitted_by", "submitted_at", "returned_reason"],
    "return_to_draft": ["submitted_by", "submitted_at", "returned_reason"],
    "reopen": ["submitted_by", "submitted_at", "approved_by", "approved_at", "returned_reason"],
    "approve": ["approved_by", "approved_at"],
    "publish": ["published_at"],
    "close": ["closed_at"],
    "open": ["opened_at"],
    "evaluate": ["evaluated_at"],
    "standstill": ["standstill_ends_at"],
    "award": ["awarded_at"],
    "conclude": ["concluded_at"],
    "cancel": ["cancelled_at", "cancellation_ground", "cancellation_reason"],
    "suspend": ["suspended_from", "suspension_reason"],
    "resume": ["suspended_from"],
}


def _save(tender: Tender, transition: str, *extra: str) -> None:
    tender.save(update_fields=["state", *TIMESTAMPS[transition], *extra, "updated_at"])


@transaction.atomic
def tender_submit(*, tender_id: int, actor: User) -> Tender:
    """Draft → pending approval. Checks completeness and the legal minimum time limits now, so
    the approver sees a tender that could go out. Raises TenderValidationError, TimeLimitError,
    TenderForbiddenError, TenderStateError."""
    tender = lock_tender(tender_id)
    authorize_transition(tender=tender, name="submit", actor=actor, action=_("Submitting"))
    ensure_ready(tender)
    tender.submit(by=actor)
    _save(tender, "submit")
    from tenders.notifications import notify_approvers

    notify_approvers(tender=tender, requested_by=actor)
    return tender


@transaction.atomic
def tender_return_to_draft(*, tender_id: int, actor: User, reason: str) -> Tender:
    """Pending approval → draft, with the approver's reason (for corrections)."""
    tender = lock_tender(tender_id)
    authorize_transition(
        tender=tender, name="return_to_draft", actor=actor, action=_("Returning to draft")
    )
    if not reason.strip():
        raise TenderValidationError([("reason", _("Say what must be corrected."))])
    tender.return_to_draft(by=actor, reason=reason.strip())
    _save(tender, "return_to_draft")
    return tender


@transaction.atomic
def tender_reopen(*, tender_id: int, actor: User, reason: str) -> Tender:
    """Approved (not yet published) → draft, for changes; the approval lapses and the tender
    needs a new one. Raises TenderValidationError (no reason), TenderStateError."""
    tender = lock_tender(tender_id)
    authorize_transition(tender=tender, name="reopen", actor=actor, action=_("Reopening"))
    if not reason.strip():
        raise TenderValidationError([("reason", _("Say why the tender is reopened."))])
    tender.reopen(by=actor, reason=reason.strip())
    _save(tender, "reopen")
    return tender


@transaction.atomic
def tender_approve(*, tender_id: int, actor: User) -> Tender:
    """Pending approval → approved by a second person with the approver role (four eyes);
    the VgV §§15-17 minimum time limits are enforced again as of today.

    Raises FourEyesError (self-approval), TimeLimitError, TenderValidationError, TenderStateError.
    """
    tender = lock_tender(tender_id)
    authorize_transition(tender=tender, name="approve", actor=actor, action=_("Approving"))
    ensure_second_person(
        requested_by=tender.submitted_by,
        actor=actor,
        organisation=tender.authority,
        role=Role.APPROVER,
    )
    ensure_ready(tender)
    tender.approve(by=actor)
    _save(tender, "approve")
    return tender


@transaction.atomic
def tender_publish(*, tender_id: int, actor: User) -> Tender:
    """Approved → published: the notice is dispatched today, so the time limits are checked
    once more; the eForms notice (EU regime) and the OCDS release are built and stored.

    Raises TenderStateError (not approved), TimeLimitError, TenderForbiddenError.
    """
    tender = lock_tender(tender_id)
    if tender.state in {TenderState.DRAFT, TenderState.PENDING_APPROVAL}:
        raise TenderStateError(
            _(
                "Tender %(ref)s cannot be published before a second person with the approver "
                "role has approved it (four-eyes principle)."
            )
            % {"ref": tender.reference}
        )
    authorize_transition(tender=tender, name="publish", actor=actor, action=_("Publishing"))
    ensure_ready(tender)
    tender.publish(by=actor)
    _save(tender, "publish")
    from tenders.services.publication import publication_store_all

    publication_store_all(tender=tender)
    # Apps built on tenders add their steps (bids: the opening key) without tenders importing them.
    run_publication_steps(tender=tender, actor=actor)
    return tender


def tenders_due_for_closing(now: datetime) -> Iterable[int]:
    """Deadline timer: published tenders whose submission deadline has passed."""
    return list(
        Tender.objects.filter(
            state=TenderState.PUBLISHED, submission_deadline__lte=now
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def tender_close_at_deadline(tender_id: int) -> None:
    """Deadline timer: published → closed by the system; a no-op when already moved on."""
    tender = lock_tender(tender_id)
    if tender.state != TenderState.PUBLISHED or tender.submission_deadline > timezone.now():
        return
    tender.close(by=None)
    _save(tender, "close")


@transaction.atomic
def tender_close(*, tender_id: int, actor: User | None) -> Tender:
    """Published → closed once the deadline has passed (``actor`` None: the system)."""
    tender = lock_tender(tender_id)
    if tender.state == TenderState.CLOSED:
        return tender
    authorize_transition(tender=tender, name="close", actor=actor, action=_("Closing"))
    tender.close(by=actor)
    _save(tender, "close")
    return tender


def _simple(name: str, action: str):
    @transaction.atomic
    def service(*, tender_id: int, actor: User, **payload: Any) -> Tender:
        tender = lock_tender(tender_id)
        authorize_transition(tender=tender, name=name, actor=actor, action=action)
        getattr(tender, name)(by=actor, **payload)
        _save(tender, name)
        return tender

    service.__name__ = f"tender_{name}"
    service.__doc__ = (
        f"Transition ``{name}`` with role, state and guard checks; extra keywords go into the "
        "audit digest. Raises TenderForbiddenError, TenderStateError."
    )
    return service


tender_open = _simple("open", _("Opening the offers"))
tender_evaluate = _simple("evaluate", _("Finishing the evaluation"))
tender_award = _simple("award", _("Awarding"))
tender_conclude = _simple("conclude", _("Concluding the contract"))


@transaction.atomic
def tender_standstill(*, tender_id: int, actor: User, ends_at: datetime, **payload: Any) -> Tender:
    """Evaluated → standstill until ``ends_at`` (GWB §134 Abs. 2, computed by the caller)."""
    tender = lock_tender(tender_id)
    authorize_transition(
        tender=tender, name="standstill", actor=actor, action=_("Starting the standstill period")
    )
    if timezone.is_naive(ends_at) or ends_at <= timezone.now():
        raise TenderValidationError(
            [("standstill_ends_at", _("The standstill period must end in the future."))]
        )
    tender.standstill(by=actor, ends_at=ends_at, **payload)
    _save(tender, "standstill")
    return tender


@transaction.atomic
def tender_cancel(*, tender_id: int, actor: User, ground: str, reason: str) -> Tender:
    """Cancel the procedure (Aufhebung, VgV §63) with a ground and a reason; interested bidders
    are told. Raises TenderValidationError (no reason), TenderStateError (concluded)."""
    tender = lock_tender(tender_id)
    authorize_transition(tender=tender, name="cancel", actor=actor, action=_("Cancelling"))
    errors = []
    if ground not in CancellationGround.values:
        errors.append(("ground", _("Choose the ground of VgV §63 Abs. 1 that applies.")))
    if not reason.strip():
        errors.append(
            ("reason", _("A cancellation needs a reason that bidders are told (VgV §63 Abs. 2)."))
        )
    if errors:
        raise TenderValidationError(errors)
    was_public = tender.published_at is not None
    tender.cancel(by=actor, ground=ground, reason=reason.strip())
    _save(tender, "cancel")
    if was_public:
        from tenders.notifications import notify_interested
        from tenders.services.publication import publication_store_ocds

        publication_store_ocds(tender=tender)
        notify_interested(
            tender=tender,
            kind="tender_cancelled",
            subject=_("Tender %(ref)s has been cancelled") % {"ref": tender.reference},
            body=_("The contracting authority cancelled the procedure: %(reason)s")
            % {"reason": tender.cancellation_reason},
        )
    return tender


@transaction.atomic
def tender_suspend(*, tender_id: int, actor: User, reason: str) -> Tender:
    """Stop the procedure while a review (Nachprüfung) is pending (GWB §169 Abs. 1)."""
    tender = lock_tender(tender_id)
    authorize_transition(tender=tender, name="suspend", actor=actor, action=_("Suspending"))
    if not reason.strip():
        raise TenderValidationError([("reason", _("Name the review that suspends the tender."))])
    tender.suspend(by=actor, reason=reason.strip())
    _save(tender, "suspend")
    return tender


@transaction.atomic
def tender_resume(*, tender_id: int, actor: User, reason: str = "") -> Tender:
    """Back to the state the tender was suspended in."""
    tender = lock_tender(tender_id)
    authorize_transition(tender=tender, name="resume", actor=actor, action=_("Resuming"))
    tender.resume(by=actor, reason=reason.strip())
    _save(tender, "resume")
    return tender


def tender_readiness(tender: Tender, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """What still blocks submission (for the officer's checklist); empty when ready."""
    from tenders.adapters import publication_problems
    from tenders.services.drafting import time_limit_errors

    now = now or timezone.now()
    problems = tender_problems(tender, now=now)
    if not problems:
        problems = publication_problems(tender, at=now)
    return problems + time_limit_errors(tender=tender, dispatch=berlin_date(now), now=now)
