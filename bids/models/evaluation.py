"""Evaluation of opened bids: exclusions, requests for missing documents (VgV §56), evaluators'
quality scores, and the tender's evaluation with its price method and ranking.

The arithmetic lives in ``bids.services.evaluation``; these rows record the inputs and results
so that the award decision and the GWB §134 letters can cite them.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from procurement.core.roles import Role, role_permission


def _authority(obj) -> object:
    return obj.tender.authority


def _bid_authority(obj) -> object:
    return obj.bid.tender.authority


def _bid_bidder(obj) -> object:
    return obj.bid.bidder


OFFICER_OR_EVALUATOR = role_permission(
    Role.PROCUREMENT_OFFICER, Role.EVALUATOR, organisation=_authority
)
REQUEST_OFFICER = role_permission(
    Role.PROCUREMENT_OFFICER, Role.EVALUATOR, organisation=_bid_authority
)
REQUEST_BIDDER = role_permission(Role.BIDDER_ADMIN, Role.BIDDER_USER, organisation=_bid_bidder)


class PriceMethod(models.TextChoices):
    # points = max * lowest price ÷ price (the cheapest bid gets all points; never below 0).
    LOWEST_RATIO = "lowest_ratio", _("Lowest price ÷ price * points")
    # points = max * (zero price - price) ÷ (zero price - lowest price), at least 0: straight
    # line from the lowest price (all points) to the announced zero-point price (no points).
    LINEAR = "linear", _("Linear between the lowest price and a zero-point price")


class EvaluationState(models.TextChoices):
    SCORING = "scoring", _("Scoring")
    RANKED = "ranked", _("Ranked")


class Evaluation(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """One per tender: the documented price method and scale, then the ranking's result."""

    tender = models.OneToOneField(
        "tenders.Tender", on_delete=models.CASCADE, related_name="evaluation"
    )
    price_method = models.CharField(
        _("price scoring method"),
        max_length=20,
        choices=PriceMethod.choices,
        default=PriceMethod.LOWEST_RATIO,
    )
    zero_price = models.DecimalField(
        _("price that scores zero points (linear method)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
    )
    max_points = models.DecimalField(
        _("points per criterion"), max_digits=6, decimal_places=2, default=Decimal("10")
    )
    state = FSMField(
        default=EvaluationState.SCORING,
        choices=EvaluationState.choices,
        protected=True,
        db_index=True,
    )
    # The lottery seed for ties left after the quality tie-break; drawn once and recorded
    # (also in the audit digest) so anybody can recompute the order.
    tie_seed = models.CharField(max_length=64, blank=True)
    ranked_at = models.DateTimeField(null=True, blank=True)
    ranked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Evaluation {self.tender_id} ({self.state})"

    @transition(
        field=state,
        source=EvaluationState.SCORING,
        target=EvaluationState.RANKED,
        permission=OFFICER_OR_EVALUATOR,
        custom={"label": _("Bids ranked")},
    )
    def rank(self, *, by, tie_seed: str, ranking: str) -> None:
        self.tie_seed = tie_seed
        self.ranked_at = timezone.now()
        self.ranked_by = by


class ExclusionGround(models.TextChoices):
    LATE = "late", _("Received after the deadline (VgV §57 Abs. 1 Nr. 1)")
    FORMAL = "formal", _("Formal defect: form or signature missing (VgV §57 Abs. 1 Nr. 1)")
    MISSING_DOCUMENTS = (
        "missing_documents",
        _("Documents missing after a request (VgV §57 Abs. 1 Nr. 2, §56)"),
    )
    CHANGED_TERMS = (
        "changed_terms",
        _("Changes to the procurement documents (VgV §57 Abs. 1 Nr. 4)"),
    )
    PRICE_MISSING = "price_missing", _("Price missing (VgV §57 Abs. 1 Nr. 5)")
    VARIANT = "variant", _("Variant not admitted (VgV §57 Abs. 1 Nr. 6)")
    SUITABILITY = "suitability", _("Bidder not suitable or an exclusion ground (GWB §§123-124)")
    ABNORMALLY_LOW = "abnormally_low", _("Abnormally low price (VgV §60)")
    NOT_INTACT = "not_intact", _("Sealed bid damaged or not readable")
    OTHER = "other", _("Other ground (explained)")


class BidExclusion(models.Model):
    """Why a bid left the competition (VgV §57): ground and the officer's explanation."""

    bid = models.OneToOneField("bids.Bid", on_delete=models.PROTECT, related_name="exclusion")
    ground = models.CharField(max_length=32, choices=ExclusionGround.choices)
    details = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.bid_id}: {self.ground}"


class DocumentRequestState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    LAPSED = "lapsed", _("Deadline passed without answer")


def response_path(request: "DocumentRequest", filename: str) -> str:
    return f"bids-requests/{request.bid.tender.public_id}/{uuid.uuid4().hex}.bin"


def _documents():
    from django.core.files.storage import storages

    return storages["documents"]


def _deadline_open(request: "DocumentRequest") -> bool:
    return request.due_at > timezone.now()


def _deadline_passed(request: "DocumentRequest") -> bool:
    return request.due_at <= timezone.now()


class DocumentRequest(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A request for missing or unclear documents (Nachforderung, VgV §56 Abs. 2) with a
    deadline. The bidder answers with a plain (not sealed) upload: the bids are open by now and
    the file lives in the private documents storage, served to staff only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bid = models.ForeignKey("bids.Bid", on_delete=models.PROTECT, related_name="document_requests")
    text = models.TextField(_("documents requested"))
    due_at = models.DateTimeField(_("answer by"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    state = FSMField(
        default=DocumentRequestState.OPEN,
        choices=DocumentRequestState.choices,
        protected=True,
        db_index=True,
    )
    response = models.FileField(
        storage=_documents, upload_to=response_path, max_length=200, blank=True
    )
    response_name = models.CharField(max_length=255, blank=True)
    response_sha256 = models.CharField(max_length=64, blank=True)
    response_note = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"Request {self.public_id} ({self.state})"

    @transition(
        field=state,
        source=DocumentRequestState.OPEN,
        target=DocumentRequestState.ANSWERED,
        conditions=[_deadline_open],
        permission=REQUEST_BIDDER,
        custom={"label": _("Documents supplied")},
    )
    def answer(self, *, by, sha256: str) -> None:
        self.answered_at = timezone.now()
        self.answered_by = by
        self.response_sha256 = sha256

    @transition(
        field=state,
        source=DocumentRequestState.OPEN,
        target=DocumentRequestState.LAPSED,
        conditions=[_deadline_passed],
        custom={"label": _("Request lapsed")},
    )
    def lapse(self, *, by=None) -> None:
        pass


class QualityScore(models.Model):
    """One evaluator's points for one bid on one quality criterion (0..max points)."""

    bid = models.ForeignKey("bids.Bid", on_delete=models.CASCADE, related_name="quality_scores")
    criterion = models.ForeignKey(
        "tenders.AwardCriterion", on_delete=models.PROTECT, related_name="scores"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quality_scores"
    )
    points = models.DecimalField(max_digits=6, decimal_places=2)
    justification = models.TextField()
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bid", "criterion", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "evaluator"], name="quality_score_once_per_evaluator"
            ),
            models.CheckConstraint(
                condition=models.Q(points__gte=Decimal("0")), name="quality_score_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id}/{self.criterion_id}: {self.points}"


class BidResult(models.Model):
    """The ranking's outcome for one admitted bid (written once, when the tender is ranked)."""

    bid = models.OneToOneField("bids.Bid", on_delete=models.CASCADE, related_name="result")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    lot_number = models.PositiveSmallIntegerField()
    price_points = models.DecimalField(max_digits=8, decimal_places=4)
    # Per criterion id: {"name", "kind", "weight", "points", "weighted"} (strings of Decimals).
    breakdown = models.JSONField(default=dict)
    quality_total = models.DecimalField(max_digits=8, decimal_places=2)
    total = models.DecimalField(max_digits=8, decimal_places=2)
    rank = models.PositiveSmallIntegerField()
    tie_break = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["evaluation", "lot_number", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "lot_number", "rank"], name="bid_result_rank_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bid_id}: rank {self.rank} ({self.total})"
