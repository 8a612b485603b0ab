"""Evaluation of opened bids (VgV §§56-58): admission and exclusion, requests for missing
documents, evaluators' quality scores, price points, the weighted total and the ranking.

Scoring, as documented to bidders (docs/sealed-bids.md, "Evaluation"):

* every criterion is scored on 0..``max_points`` (default 10);
* price (and cost) criteria: ``lowest_ratio`` gives ``max * lowest ÷ price``; ``linear`` gives
  ``max * (zero - price) ÷ (zero - lowest)``, never below 0, where ``zero`` is the announced
  price that earns no points;
* a quality criterion's points are the mean of the evaluators' points for that bid;
* weighted points per criterion = ``weight * points ÷ max`` (weights sum to 100, so the total is
  out of 100). Intermediate values keep 4 decimals, the total 2 (ROUND_HALF_UP);
* ties on the total: the higher weighted quality sum wins; left-over ties are drawn by lot with a
  seed recorded on the evaluation and in the audit trail: order by SHA-256(seed ":" bid UUID).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bids.models import (
    Bid,
    BidExclusion,
    BidResult,
    BidState,
    DocumentRequest,
    DocumentRequestState,
    Evaluation,
    EvaluationState,
    ExclusionGround,
    PriceMethod,
    QualityScore,
)
from procurement.core.errors import (
    ConflictError,
    TooLargeError,
    TransitionForbiddenError,
    ValidationFailedError,
)
from procurement.core.roles import Role, has_role
from tenders.models import AwardCriterion, CriterionKind, Notification, Tender, TenderState

FOUR = Decimal("0.0001")
CENTS = Decimal("0.01")
HUNDRED = Decimal("100")
STAFF = (Role.PROCUREMENT_OFFICER, Role.EVALUATOR)


# ---------------------------------------------------------------------------------------------
# Pure arithmetic (no database): what the tests and the letters cite.


def price_points(
    *,
    method: str,
    price: Decimal,
    lowest: Decimal,
    max_points: Decimal,
    zero_price: Decimal | None = None,
) -> Decimal:
    """Points for ``price`` given the lowest admitted price of the lot (see module docstring)."""
    if price <= 0 or lowest <= 0:
        raise ValidationFailedError(_("Prices must be positive to be scored."), field="price")
    if method == PriceMethod.LOWEST_RATIO:
        points = max_points * lowest / price
    elif method == PriceMethod.LINEAR:
        if zero_price is None or zero_price <= lowest:
            raise ValidationFailedError(
                _("The linear method needs a zero-point price above the lowest price (%(lowest)s).")
                % {"lowest": lowest},
                field="zero_price",
            )
        points = max(Decimal(0), max_points * (zero_price - price) / (zero_price - lowest))
    else:
        raise ValidationFailedError(_("Unknown price method “%s”.") % method, field="price_method")
    return min(points, max_points).quantize(FOUR, rounding=ROUND_HALF_UP)


def weighted(*, weight: Decimal, points: Decimal, max_points: Decimal) -> Decimal:
    return (weight * points / max_points).quantize(FOUR, rounding=ROUND_HALF_UP)


def lottery_key(seed: str, bid_key: str) -> str:
    return hashlib.sha256(f"{seed}:{bid_key}".encode()).hexdigest()


@dataclass
class Scored:
    """One bid's scores, ready to rank. ``key`` is the bid's public UUID (lottery input)."""

    key: str
    total: Decimal
    quality: Decimal
    breakdown: dict[str, Any] = field(default_factory=dict)
    rank: int = 0
    tie_break: str = ""


def rank_scored(entries: list[Scored], *, seed: str) -> list[Scored]:
    """Order by total, then quality, then the seeded lottery; fill ``rank`` (1 = best) and
    ``tie_break`` (why a bid is ahead of one with an equal total)."""
    ordered = sorted(entries, key=lambda e: (-e.total, -e.quality, lottery_key(seed, e.key)))
    for position, entry in enumerate(ordered, start=1):
        entry.rank = position
        same_total = [e for e in ordered if e is not entry and e.total == entry.total]
        if not same_total:
            entry.tie_break = ""
        elif any(e.quality == entry.quality for e in same_total):
            entry.tie_break = "lottery"
        else:
            entry.tie_break = "quality"
    return ordered


# ---------------------------------------------------------------------------------------------
# Helpers


def _require(actor: Any, tender: Tender, roles: tuple[str, ...], action: str) -> None:
    if actor is None or not has_role(actor, tender.authority, roles):
        names = " / ".join(str(Role(r).label) for r in roles)
        raise TransitionForbiddenError(
            _("%(action)s needs the role “%(roles)s” in %(authority)s.")
            % {"action": action, "roles": names, "authority": tender.authority.name}
        )


def _require_opened(tender: Tender, action: str) -> None:
    if tender.state != TenderState.OPENED:
        raise ConflictError(
            _(
                "%(action)s is only possible while tender %(ref)s is being evaluated "
                "(state “%(state)s”)."
            )
            % {"action": action, "ref": tender.reference, "state": tender.get_state_display()}
        )


def _lock_bid(bid_id: int) -> Bid:
    return (
        Bid.objects.select_for_update().select_related("tender__authority", "bidder").get(pk=bid_id)
    )


def evaluation_of(tender: Tender) -> Evaluation:
    evaluation, _created = Evaluation.objects.get_or_create(tender=tender)
    return evaluation


def criteria_for(tender: Tender, lot_number: int) -> list[AwardCriterion]:
    """The lot's own criteria when it has them, else the tender's (VgV §58, per lot)."""
    own = list(
        AwardCriterion.objects.filter(tender=tender, lot__number=lot_number).order_by(
            "position", "pk"
        )
    )
    if own:
        return own
    return list(
        AwardCriterion.objects.filter(tender=tender, lot__isnull=True).order_by("position", "pk")
    )


def _decimal(value: Any, name: str) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationFailedError(_("“%s” is not a number.") % value, field=name) from None
    if not result.is_finite():
        raise ValidationFailedError(_("“%s” is not a number.") % value, field=name)
    return result


# ---------------------------------------------------------------------------------------------
# Services


@transaction.atomic
def evaluation_configure(
    *,
    tender_id: int,
    actor: Any,
    price_method: str,
    zero_price: Decimal | str | None = None,
    max_points: Decimal | str = Decimal("10"),
) -> Evaluation:
    """Set the documented price method before ranking. Raises ValidationFailedError."""
    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    _require(actor, tender, (Role.PROCUREMENT_OFFICER,), _("Choosing the price method"))
    _require_opened(tender, _("Choosing the price method"))
    evaluation = evaluation_of(tender)
    if price_method not in PriceMethod.values:
        raise ValidationFailedError(_("Choose a documented price method."), field="price_method")
    points = _decimal(max_points, "max_points")
    if points <= 0:
        raise ValidationFailedError(_("The points scale must be positive."), field="max_points")
    zero = None if zero_price in (None, "") else _decimal(zero_price, "zero_price")
    if price_method == PriceMethod.LINEAR and (zero is None or zero <= 0):
        raise ValidationFailedError(
            _("The linear method needs the price that earns zero points."), field="zero_price"
        )
    if QualityScore.objects.filter(bid__tender=tender).exists() and points != evaluation.max_points:
        raise ConflictError(_("Scores were given on the current scale; it cannot change now."))
    evaluation.price_method = price_method
    evaluation.zero_price = zero
    evaluation.max_points = points
    evaluation.save(update_fields=["price_method", "zero_price", "max_points"])
    return evaluation


@transaction.atomic
def bid_admit(*, bid_id: int, actor: Any) -> Bid:
    """An opened, intact bid passes the formal check and takes part in the scoring."""
    bid = _lock_bid(bid_id)
    _require(actor, bid.tender, STAFF, _("Admitting a bid"))
    _require_opened(bid.tender, _("Admitting a bid"))
    if bid.state != BidState.OPENED:
        raise ConflictError(
            _("Only an opened bid can be admitted (this one is “%s”).") % bid.get_state_display()
        )
    if not bid.intact:
        raise ConflictError(
            _("The sealed bid was not intact; it can only be excluded (VgV §57 Abs. 1).")
        )
    bid.admit(by=actor)
    bid.save(update_fields=["state"])
    return bid


@transaction.atomic
def bid_exclude(*, bid_id: int, actor: Any, ground: str, details: str) -> Bid:
    """Exclude a bid with a ground of VgV §57 (or the others listed) and an explanation the
    bidder will read in its GWB §134 letter."""
    bid = _lock_bid(bid_id)
    _require(actor, bid.tender, STAFF, _("Excluding a bid"))
    _require_opened(bid.tender, _("Excluding a bid"))
    errors = []
    if ground not in ExclusionGround.values:
        errors.append(("ground", _("Choose the ground for the exclusion.")))
    if not details.strip():
        errors.append(("details", _("Explain the exclusion; the bidder is told the reason.")))
    if errors:
        raise ValidationFailedError(" ".join(str(m) for _f, m in errors), field=errors[0][0])
    if bid.state not in (BidState.OPENED, BidState.ADMITTED):
        raise ConflictError(_("Only opened or admitted bids can be excluded."))
    label = ExclusionGround(ground).label
    bid.exclude(by=actor, reason=f"{label}: {details.strip()}")
    bid.save(update_fields=["state", "exclusion_reason"])
    BidExclusion.objects.create(bid=bid, ground=ground, details=details.strip(), decided_by=actor)
    return bid


def _notify_bidder(*, bid: Bid, kind: str, subject: str, body: str, url: str = "") -> None:
    from procurement.core.models import Membership
    from tenders.models import Notification

    users = (
        Membership.objects.filter(
            organisation=bid.bidder,
            role__in=[Role.BIDDER_ADMIN, Role.BIDDER_USER],
            active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id, tender=bid.tender, kind=kind, subject=subject, body=body, url=url
        )
        for user_id in users
    )


@transaction.atomic
def document_request_create(
    *, bid_id: int, actor: Any, text: str, due_at: datetime
) -> DocumentRequest:
    """Ask the bidder for missing or unclear documents by ``due_at`` (VgV §56 Abs. 2)."""
    bid = _lock_bid(bid_id)
    _require(actor, bid.tender, STAFF, _("Requesting documents"))
    _require_opened(bid.tender, _("Requesting documents"))
    if bid.state not in (BidState.OPENED, BidState.ADMITTED):
        raise ConflictError(_("Documents can only be requested for an opened or admitted bid."))
    if not text.strip():
        raise ValidationFailedError(_("Say which documents are requested."), field="text")
    if timezone.is_naive(due_at) or due_at <= timezone.now():
        raise ValidationFailedError(_("The deadline must be in the future."), field="due_at")
    request = DocumentRequest.objects.create(
        bid=bid, text=text.strip(), due_at=due_at, requested_by=actor
    )
    from django.urls import reverse

    _notify_bidder(
        bid=bid,
        kind=Notification.Kind.DOCUMENT_REQUEST,
        subject=_("Tender %(ref)s: documents requested (VgV §56)") % {"ref": bid.tender.reference},
        body=_("Please provide by %(due)s: %(text)s")
        % {"due": timezone.localtime(due_at).strftime("%d.%m.%Y %H:%M"), "text": request.text},
        url=reverse("bidder-document-request", kwargs={"public_id": request.public_id}),
    )
    return request


@transaction.atomic
def document_request_answer(
    *, request_id: int, actor: Any, upload: File, name: str, note: str = ""
) -> DocumentRequest:
    """The bidder answers with a document (plain upload, streamed, size-limited) before the
    deadline. Raises TransitionForbiddenError, ConflictError (late), TooLargeError."""
    request = (
        DocumentRequest.objects.select_for_update()
        .select_related("bid__tender__authority", "bid__bidder")
        .get(pk=request_id)
    )
    bid = request.bid
    if actor is None or not has_role(actor, bid.bidder, [Role.BIDDER_ADMIN, Role.BIDDER_USER]):
        raise TransitionForbiddenError(_("Only the bidder can answer its document request."))
    if request.state != DocumentRequestState.OPEN:
        raise ConflictError(
            _("This request is no longer open (“%s”).") % request.get_state_display()
        )
    if request.due_at <= timezone.now():
        raise ConflictError(
            _("The deadline of this request passed on %(due)s; the answer is refused.")
            % {"due": timezone.localtime(request.due_at).strftime("%d.%m.%Y %H:%M")}
        )
    limit = settings.ZUSCHLAG_MAX_DOCUMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise TooLargeError(_("The file is larger than %(n)s bytes.") % {"n": limit})
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise TooLargeError(_("The file is larger than %(n)s bytes.") % {"n": limit})
        digest.update(chunk)
    upload.seek(0)
    request.response.save(name or "document.bin", upload, save=False)
    request.response_name = (name or "document.bin")[:255]
    request.response_note = note.strip()
    request.answer(by=actor, sha256=digest.hexdigest())
    request.save(
        update_fields=[
            "state",
            "response",
            "response_name",
            "response_note",
            "response_sha256",
            "answered_at",
            "answered_by",
        ]
    )
    return request


def document_requests_due(now: datetime) -> list[int]:
    return list(
        DocumentRequest.objects.filter(
            state=DocumentRequestState.OPEN, due_at__lte=now
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def document_request_lapse(request_id: int) -> None:
    """Timer: an unanswered request lapses at its deadline (idempotent)."""
    request = DocumentRequest.objects.select_for_update().get(pk=request_id)
    if request.state == DocumentRequestState.OPEN and request.due_at <= timezone.now():
        request.lapse(by=None)
        request.save(update_fields=["state"])


@transaction.atomic
def quality_score_record(
    *,
    bid_id: int,
    criterion_id: int,
    actor: Any,
    points: Decimal | str,
    justification: str,
) -> QualityScore:
    """One evaluator scores one quality criterion of one admitted bid, once."""
    bid = _lock_bid(bid_id)
    tender = bid.tender
    _require(actor, tender, (Role.EVALUATOR,), _("Scoring"))
    _require_opened(tender, _("Scoring"))
    evaluation = evaluation_of(tender)
    if evaluation.state != EvaluationState.SCORING:
        raise ConflictError(_("The ranking is done; scores can no longer change."))
    if bid.state != BidState.ADMITTED:
        raise ConflictError(
            _("Only admitted bids are scored (this one is “%s”).") % bid.get_state_display()
        )
    criterion = next(
        (c for c in criteria_for(tender, bid.lot_number) if c.pk == criterion_id), None
    )
    if criterion is None or criterion.kind != CriterionKind.QUALITY:
        raise ValidationFailedError(
            _("That is not a quality criterion of this bid's lot."), field="criterion"
        )
    value = _decimal(points, "points")
    if not Decimal(0) <= value <= evaluation.max_points:
        raise ValidationFailedError(
            _("Points must be between 0 and %(max)s.") % {"max": evaluation.max_points},
            field="points",
        )
    if value != value.quantize(CENTS):
        raise ValidationFailedError(_("At most two decimals."), field="points")
    if not justification.strip():
        raise ValidationFailedError(
            _("Justify the score (VgV §58, documentation)."), field="justification"
        )
    if QualityScore.objects.filter(bid=bid, criterion=criterion, evaluator=actor).exists():
        raise ConflictError(_("You have already scored this criterion for this bid."))
    try:
        with transaction.atomic():
            return QualityScore.objects.create(
                bid=bid,
                criterion=criterion,
                evaluator=actor,
                points=value,
                justification=justification.strip(),
            )
    except IntegrityError:
        raise ConflictError(_("You have already scored this criterion for this bid.")) from None


def evaluation_problems(tender: Tender) -> list[str]:
    """What still keeps the tender from being ranked (empty when it can be)."""
    problems: list[str] = []
    opened = Bid.objects.filter(tender=tender, state=BidState.OPENED)
    for bid in opened.select_related("bidder"):
        problems.append(
            _("Bid of %(b)s (lot %(l)s) is neither admitted nor excluded.")
            % {"b": bid.bidder.name, "l": bid.lot_number}
        )
    open_requests = DocumentRequest.objects.filter(
        bid__tender=tender, state=DocumentRequestState.OPEN
    ).select_related("bid__bidder")
    for request in open_requests:
        problems.append(
            _("Document request to %(b)s is still open.") % {"b": request.bid.bidder.name}
        )
    admitted = list(
        Bid.objects.filter(tender=tender, state=BidState.ADMITTED).select_related("bidder")
    )
    if not admitted:
        problems.append(_("No bid is admitted."))
    scored = defaultdict(set)
    for bid_id, criterion_id in QualityScore.objects.filter(bid__in=admitted).values_list(
        "bid_id", "criterion_id"
    ):
        scored[bid_id].add(criterion_id)
    for bid in admitted:
        criteria = criteria_for(tender, bid.lot_number)
        if not criteria:
            problems.append(_("Lot %(l)s has no award criteria.") % {"l": bid.lot_number})
        for criterion in criteria:
            if criterion.kind == CriterionKind.QUALITY and criterion.pk not in scored[bid.pk]:
                problems.append(
                    _("%(b)s (lot %(l)s) has no score for “%(c)s”.")
                    % {"b": bid.bidder.name, "l": bid.lot_number, "c": criterion.name}
                )
        if bid.price is None:
            problems.append(
                _("%(b)s (lot %(l)s) has no price: exclude it (VgV §57 Abs. 1 Nr. 5).")
                % {"b": bid.bidder.name, "l": bid.lot_number}
            )
    return problems


def score_lot(
    *, evaluation: Evaluation, bids: list[Bid], criteria: list[AwardCriterion]
) -> list[Scored]:
    """Score the admitted bids of one lot (no database writes)."""
    max_points = evaluation.max_points
    lowest = min(bid.price for bid in bids)
    means: dict[tuple[int, int], Decimal] = {}
    per: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for score in QualityScore.objects.filter(bid__in=bids):
        per[(score.bid_id, score.criterion_id)].append(score.points)
    for key, values in per.items():
        means[key] = (sum(values, Decimal(0)) / len(values)).quantize(FOUR, ROUND_HALF_UP)
    entries = []
    for bid in bids:
        breakdown: dict[str, Any] = {}
        total = Decimal(0)
        quality = Decimal(0)
        p_points = price_points(
            method=evaluation.price_method,
            price=bid.price,
            lowest=lowest,
            max_points=max_points,
            zero_price=evaluation.zero_price,
        )
        for criterion in criteria:
            if criterion.kind == CriterionKind.QUALITY:
                points = means[(bid.pk, criterion.pk)]
            else:
                points = p_points
            w = weighted(weight=criterion.weight, points=points, max_points=max_points)
            total += w
            if criterion.kind == CriterionKind.QUALITY:
                quality += w
            breakdown[str(criterion.pk)] = {
                "name": criterion.name,
                "kind": criterion.kind,
                "weight": str(criterion.weight),
                "points": str(points),
                "weighted": str(w),
            }
        entry = Scored(
            key=str(bid.public_id),
            total=total.quantize(CENTS, ROUND_HALF_UP),
            quality=quality.quantize(CENTS, ROUND_HALF_UP),
            breakdown={"criteria": breakdown, "price_points": str(p_points)},
        )
        entry.bid = bid  # type: ignore[attr-defined]
        entries.append(entry)
    return entries


@transaction.atomic
def evaluation_rank(*, tender_id: int, actor: Any, seed: str | None = None) -> Evaluation:
    """Score and rank every lot, record the results, then move the tender opened → evaluated
    (both audited). Refused with the list of what is missing while anything is open."""
    from tenders.services.lifecycle import tender_evaluate

    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    _require(actor, tender, STAFF, _("Ranking the bids"))
    _require_opened(tender, _("Ranking the bids"))
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_of(tender).pk)
    if evaluation.state != EvaluationState.SCORING:
        raise ConflictError(_("The bids of this tender are already ranked."))
    problems = evaluation_problems(tender)
    if problems:
        raise ConflictError(_("The bids cannot be ranked yet: ") + " ".join(problems))
    seed = seed or secrets.token_hex(16)
    by_lot: dict[int, list[Bid]] = defaultdict(list)
    for bid in Bid.objects.filter(tender=tender, state=BidState.ADMITTED):
        by_lot[bid.lot_number].append(bid)
    summary: dict[str, list[dict[str, str]]] = {}
    for lot_number, bids in sorted(by_lot.items()):
        entries = score_lot(
            evaluation=evaluation, bids=bids, criteria=criteria_for(tender, lot_number)
        )
        ranked = rank_scored(entries, seed=seed)
        for entry in ranked:
            BidResult.objects.create(
                bid=entry.bid,  # type: ignore[attr-defined]
                evaluation=evaluation,
                lot_number=lot_number,
                price_points=Decimal(entry.breakdown["price_points"]),
                breakdown=entry.breakdown,
                quality_total=entry.quality,
                total=entry.total,
                rank=entry.rank,
                tie_break=entry.tie_break,
            )
        summary[str(lot_number)] = [
            {"bid": e.key, "total": str(e.total), "rank": str(e.rank)} for e in ranked
        ]
    evaluation.rank(by=actor, tie_seed=seed, ranking=json.dumps(summary, sort_keys=True))
    evaluation.save(update_fields=["state", "tie_seed", "ranked_at", "ranked_by"])
    tender_evaluate(tender_id=tender.pk, actor=actor)
    return evaluation
