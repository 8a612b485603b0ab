"""Award decision (four eyes), GWB §134 information and standstill, review requests.

Standstill reading (GWB §134 Abs. 2): "Ein Vertrag darf erst 15 Kalendertage nach Absendung der
Information nach Absatz 1 geschlossen werden. Bei Absendung der Information auf elektronischem
Weg oder per Fax verkürzt sich die Frist auf 10 Kalendertage. Die Frist beginnt am Tag nach der
Absendung der Information durch den Auftraggeber; auf den Tag des Zugangs beim betroffenen Bieter
und Bewerber kommt es nicht an." So, with D the Berlin calendar day of dispatch, the period runs
from D+1 through D+10 (D+15 on paper) and the contract may be concluded from 00:00 Berlin time of
D+11 (D+16): ``standstill_ends_at`` is that instant. No extension for weekends or holidays
(calendar days; §193 BGB is not applied: the period ends, it is not a deadline for a declaration).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bids.models import (
    AwardDecision,
    AwardState,
    Bid,
    BidResult,
    BidState,
    Evaluation,
    EvaluationState,
    InformationLetter,
    ReviewRequest,
)
from bids.services.evaluation import _notify_bidder, _require, criteria_for
from procurement.core.errors import ConflictError, ValidationFailedError
from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN, berlin_date
from tenders.models import Notification, Tender, TenderState
from workflows.four_eyes import ensure_second_person

ELECTRONIC_DAYS = 10
OTHER_DAYS = 15


def standstill_period(*, sent_at: datetime, electronic: bool) -> tuple[date, date, datetime]:
    """``(last day of the period, earliest conclusion day, instant conclusion is allowed)``."""
    if timezone.is_naive(sent_at):
        raise ValidationFailedError(_("The dispatch time must be timezone-aware."))
    days = ELECTRONIC_DAYS if electronic else OTHER_DAYS
    last_day = berlin_date(sent_at) + timedelta(days=days)
    earliest = last_day + timedelta(days=1)
    return last_day, earliest, datetime.combine(earliest, time(0, 0), tzinfo=BERLIN)


def _lock(tender_id: int) -> Tender:
    return Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)


@transaction.atomic
def award_propose(
    *, tender_id: int, actor: Any, lot_number: int = 1, reasons: str, bid_id: int | None = None
) -> AwardDecision:
    """The officer proposes the best-ranked bid of a lot (VgV §58 Abs. 1: the most economically
    advantageous tender). Another bid is refused: the ranking decides, not the proposer."""
    tender = _lock(tender_id)
    _require(actor, tender, (Role.PROCUREMENT_OFFICER,), _("Proposing the award"))
    if tender.state != TenderState.EVALUATED:
        raise ConflictError(
            _("The award can be proposed once the bids are ranked (tender is “%s”).")
            % tender.get_state_display()
        )
    evaluation = Evaluation.objects.get(tender=tender)
    if evaluation.state != EvaluationState.RANKED:
        raise ConflictError(_("The bids are not ranked yet."))
    best = (
        BidResult.objects.filter(evaluation=evaluation, lot_number=lot_number, rank=1)
        .select_related("bid")
        .first()
    )
    if best is None:
        raise ValidationFailedError(_("Lot %s has no ranked bid.") % lot_number, field="lot")
    if bid_id is not None and bid_id != best.bid_id:
        raise ConflictError(
            _("Only the best-ranked bid of the lot can be proposed (rank 1: %(name)s).")
            % {"name": best.bid.bidder.name}
        )
    if not reasons.strip():
        raise ValidationFailedError(_("Give the reasons for the award."), field="reasons")
    if (
        AwardDecision.objects.filter(tender=tender, lot_number=lot_number)
        .exclude(state=AwardState.REJECTED)
        .exists()
    ):
        raise ConflictError(_("Lot %s already has an award decision.") % lot_number)
    return AwardDecision.objects.create(
        tender=tender,
        lot_number=lot_number,
        winner=best.bid,
        reasons=reasons.strip(),
        proposed_by=actor,
    )


def _lock_decision(decision_id: int) -> AwardDecision:
    return (
        AwardDecision.objects.select_for_update(of=("self",))
        .select_related("tender__authority", "winner__bidder")
        .get(pk=decision_id)
    )


@transaction.atomic
def award_approve(*, decision_id: int, actor: Any) -> AwardDecision:
    """Second pair of eyes: an approver who is not the proposer."""
    decision = _lock_decision(decision_id)
    ensure_second_person(
        requested_by=decision.proposed_by,
        actor=actor,
        organisation=decision.tender.authority,
        role=Role.APPROVER,
    )
    if decision.state != AwardState.PROPOSED:
        raise ConflictError(
            _("This decision is “%s”, not proposed.") % decision.get_state_display()
        )
    decision.approve(by=actor)
    decision.save(update_fields=["state", "approved_by", "approved_at"])
    return decision


@transaction.atomic
def award_reject(*, decision_id: int, actor: Any, reason: str) -> AwardDecision:
    decision = _lock_decision(decision_id)
    ensure_second_person(
        requested_by=decision.proposed_by,
        actor=actor,
        organisation=decision.tender.authority,
        role=Role.APPROVER,
    )
    if not reason.strip():
        raise ValidationFailedError(_("Say why the proposal is rejected."), field="reason")
    if decision.state != AwardState.PROPOSED:
        raise ConflictError(
            _("This decision is “%s”, not proposed.") % decision.get_state_display()
        )
    decision.reject(by=actor, reason=reason.strip())
    decision.save(update_fields=["state", "rejection_reason"])
    return decision


def _letter_reasons(*, bid: Bid, decision: AwardDecision) -> str:
    """The reasons told to one unsuccessful bidder (GWB §134 Abs. 1: why its bid is not
    considered): the exclusion ground, or its rank and points against the winner's per
    criterion."""
    if bid.state == BidState.EXCLUDED:
        return _("Your bid was excluded: %(reason)s") % {"reason": bid.exclusion_reason}
    mine = BidResult.objects.get(bid=bid)
    winner = BidResult.objects.get(bid=decision.winner)
    lines = [
        _(
            "Your bid ranked %(rank)s with %(total)s of 100 points; the successful bid scored "
            "%(wtotal)s points."
        )
        % {"rank": mine.rank, "total": mine.total, "wtotal": winner.total}
    ]
    criteria = {str(c.pk): c for c in criteria_for(decision.tender, decision.lot_number)}
    for key, item in mine.breakdown["criteria"].items():
        won = winner.breakdown["criteria"].get(key, {})
        name = criteria[key].name if key in criteria else item["name"]
        lines.append(
            _("%(name)s (weight %(weight)s %%): yours %(mine)s, successful bid %(won)s")
            % {
                "name": name,
                "weight": item["weight"],
                "mine": item["weighted"],
                "won": won.get("weighted", "-"),
            }
        )
    if mine.tie_break:
        lines.append(
            _("Equal total: decided by the higher quality score.")
            if mine.tie_break == "quality"
            else _("Equal total and quality: decided by lot (recorded seed).")
        )
    return "\n".join(lines)


def _inform_bidder(
    *,
    tender: Tender,
    bid: Bid,
    decision: AwardDecision,
    sent_at: datetime,
    earliest: date,
    electronic: bool,
) -> InformationLetter:
    """One GWB §134 letter: PDF, stored letter and inbox entry for the bidder's people."""
    from bids.letters import information_letter_pdf

    reasons = _letter_reasons(bid=bid, decision=decision)
    pdf = information_letter_pdf(
        tender=tender,
        bidder=bid.bidder,
        lot_number=decision.lot_number,
        winner_name=decision.winner.bidder.name,
        reasons=reasons,
        sent_at=sent_at,
        earliest_conclusion_on=earliest,
        electronic=electronic,
    )
    letter = InformationLetter.objects.create(
        decision=decision,
        bid=bid,
        bidder=bid.bidder,
        winner_name=decision.winner.bidder.name,
        reasons=reasons,
        earliest_conclusion_on=earliest,
        sent_at=sent_at,
        electronic=electronic,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    _notify_bidder(
        bid=bid,
        kind=Notification.Kind.AWARD_INFORMATION,
        subject=_("Tender %(ref)s: information under GWB §134") % {"ref": tender.reference},
        body=_(
            "The contract is to be awarded to %(winner)s. It will not be concluded "
            "before %(date)s.\n%(reasons)s"
        )
        % {
            "winner": decision.winner.bidder.name,
            "date": earliest.strftime("%d.%m.%Y"),
            "reasons": reasons,
        },
        url=reverse("bidder-award-letter", kwargs={"public_id": letter.public_id}),
    )
    return letter


@transaction.atomic
def award_notify(*, tender_id: int, actor: Any, electronic: bool = True) -> list[InformationLetter]:
    """Send the GWB §134 letters of every approved decision (PDF + inbox), then start the
    standstill (tender evaluated → standstill, audited). Every lot with admitted bids needs an
    approved decision first."""
    from tenders.services.lifecycle import tender_standstill

    tender = _lock(tender_id)
    _require(actor, tender, (Role.PROCUREMENT_OFFICER,), _("Informing the bidders"))
    if tender.state != TenderState.EVALUATED:
        raise ConflictError(
            _("Bidders are informed after the evaluation (tender is “%s”).")
            % tender.get_state_display()
        )
    lots = set(
        BidResult.objects.filter(evaluation__tender=tender).values_list("lot_number", flat=True)
    )
    decisions = list(
        AwardDecision.objects.select_for_update(of=("self",))
        .filter(tender=tender, state=AwardState.APPROVED)
        .select_related("winner__bidder")
    )
    missing = sorted(lots - {d.lot_number for d in decisions})
    if missing:
        raise ConflictError(
            _("Lots without an approved award decision: %s") % ", ".join(map(str, missing))
        )
    sent_at = timezone.now()
    _last, earliest, ends_at = standstill_period(sent_at=sent_at, electronic=electronic)
    letters = []
    for decision in decisions:
        losers = (
            Bid.objects.filter(
                tender=tender,
                lot_number=decision.lot_number,
                state__in=[BidState.ADMITTED, BidState.EXCLUDED],
            )
            .exclude(pk=decision.winner_id)
            .select_related("bidder")
        )
        for bid in losers:
            # The letter speaks the procedure's language (German for a German tender), whoever
            # clicked the button and whatever language their browser asked for.
            with translation.override(tender.language or "de"):
                letter = _inform_bidder(
                    tender=tender,
                    bid=bid,
                    decision=decision,
                    sent_at=sent_at,
                    earliest=earliest,
                    electronic=electronic,
                )
            letters.append(letter)
        decision.notify(by=actor, earliest_conclusion_on=earliest, electronic=electronic)
        decision.save(
            update_fields=["state", "notified_at", "earliest_conclusion_on", "electronic"]
        )
    tender_standstill(
        tender_id=tender.pk,
        actor=actor,
        ends_at=ends_at,
        letters=len(letters),
        electronic=electronic,
    )
    return letters


def standstill_due(now: datetime) -> list[int]:
    """Timer: tenders whose standstill is over and that still wait in ``standstill``."""
    return list(
        Tender.objects.filter(
            state=TenderState.STANDSTILL, standstill_ends_at__lte=now
        ).values_list("pk", flat=True)
    )


def standstill_fire(tender_id: int) -> None:
    """Timer: standstill → awarded (system actor); a no-op when already moved on or suspended."""
    from tenders.services.lifecycle import tender_award

    with transaction.atomic():
        tender = _lock(tender_id)
        if tender.state != TenderState.STANDSTILL or tender.standstill_ends_at > timezone.now():
            return
        tender_award(tender_id=tender.pk, actor=None)


@transaction.atomic
def review_request_record(
    *, tender_id: int, actor: Any, applicant: str, received_on: date, details: str
) -> ReviewRequest:
    """A Nachprüfungsantrag was served: record it and suspend the tender (GWB §169 Abs. 1)."""
    from tenders.services.lifecycle import tender_suspend

    tender = _lock(tender_id)
    _require(actor, tender, (Role.PROCUREMENT_OFFICER,), _("Recording a review request"))
    if not applicant.strip() or not details.strip():
        raise ValidationFailedError(_("Name the applicant and the review request."))
    review = ReviewRequest.objects.create(
        tender=tender,
        applicant=applicant.strip(),
        received_on=received_on,
        details=details.strip(),
        recorded_by=actor,
    )
    if tender.state != TenderState.SUSPENDED:
        tender_suspend(
            tender_id=tender.pk,
            actor=actor,
            reason=_("Review request by %(a)s received on %(d)s")
            % {"a": review.applicant, "d": received_on.isoformat()},
        )
    return review


@transaction.atomic
def review_request_close(*, review_id: int, actor: Any, outcome: str) -> ReviewRequest:
    """The review ended (decision, withdrawal): when no other is open, the tender resumes."""
    from tenders.services.lifecycle import tender_resume

    review = (
        ReviewRequest.objects.select_for_update()
        .select_related("tender__authority")
        .get(pk=review_id)
    )
    tender = _lock(review.tender_id)
    _require(actor, tender, (Role.PROCUREMENT_OFFICER,), _("Closing a review request"))
    if review.closed_at is not None:
        raise ConflictError(_("This review request is already closed."))
    if not outcome.strip():
        raise ValidationFailedError(_("Record the outcome of the review."), field="outcome")
    review.closed_at = timezone.now()
    review.outcome = outcome.strip()
    review.save(update_fields=["closed_at", "outcome"])
    still_open = ReviewRequest.objects.filter(tender=tender, closed_at__isnull=True).exists()
    if not still_open and tender.state == TenderState.SUSPENDED:
        tender_resume(tender_id=tender.pk, actor=actor, reason=review.outcome)
    return review
