"""Award decisions (four eyes), GWB §134 information letters, review requests."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from procurement.core.roles import Role, role_permission


def _authority(obj) -> object:
    return obj.tender.authority


OFFICER = role_permission(Role.PROCUREMENT_OFFICER, organisation=_authority)
APPROVER = role_permission(Role.APPROVER, organisation=_authority)


class AwardState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    NOTIFIED = "notified", _("Bidders informed (GWB §134)")


class AwardDecision(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """The proposed winner of one lot: proposed by an officer, approved by another person."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(
        "tenders.Tender", on_delete=models.PROTECT, related_name="award_decisions"
    )
    lot_number = models.PositiveSmallIntegerField(default=1)
    winner = models.ForeignKey("bids.Bid", on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons for the award"))
    state = FSMField(
        default=AwardState.PROPOSED, choices=AwardState.choices, protected=True, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    electronic = models.BooleanField(default=True)
    earliest_conclusion_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["tender", "lot_number", "-proposed_at"]
        constraints = [
            # One live decision per lot; a rejected one can be followed by a new proposal.
            models.UniqueConstraint(
                fields=["tender", "lot_number"],
                condition=~models.Q(state="rejected"),
                name="award_decision_one_live_per_lot",
            )
        ]

    def __str__(self) -> str:
        return f"Award {self.tender_id}/{self.lot_number} → {self.winner_id} ({self.state})"

    @transition(
        field=state,
        source=AwardState.PROPOSED,
        target=AwardState.APPROVED,
        permission=APPROVER,
        custom={"label": _("Award approved")},
    )
    def approve(self, *, by) -> None:
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=AwardState.PROPOSED,
        target=AwardState.REJECTED,
        permission=APPROVER,
        custom={"label": _("Award rejected")},
    )
    def reject(self, *, by, reason: str) -> None:
        self.rejection_reason = reason

    @transition(
        field=state,
        source=AwardState.APPROVED,
        target=AwardState.NOTIFIED,
        permission=OFFICER,
        custom={"label": _("Bidders notified")},
    )
    def notify(self, *, by, earliest_conclusion_on, electronic: bool) -> None:
        self.notified_at = timezone.now()
        self.earliest_conclusion_on = earliest_conclusion_on
        self.electronic = electronic


class InformationLetter(models.Model):
    """The GWB §134 letter to one unsuccessful bidder, kept as sent (PDF and its SHA-256)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(AwardDecision, on_delete=models.PROTECT, related_name="letters")
    bid = models.ForeignKey("bids.Bid", on_delete=models.PROTECT, related_name="+")
    bidder = models.ForeignKey(
        "procurement.Organisation", on_delete=models.PROTECT, related_name="award_letters"
    )
    winner_name = models.CharField(max_length=300)
    reasons = models.TextField()
    earliest_conclusion_on = models.DateField()
    sent_at = models.DateTimeField()
    electronic = models.BooleanField(default=True)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["decision", "bidder__name"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "bid"], name="letter_once_per_bid")
        ]

    def __str__(self) -> str:
        return f"§134 letter to {self.bidder_id}"


class ReviewRequest(models.Model):
    """A request for review (Nachprüfungsantrag, GWB §160) the authority was told of: while it
    is open the tender is suspended and no contract may be concluded (GWB §169 Abs. 1)."""

    tender = models.ForeignKey(
        "tenders.Tender", on_delete=models.PROTECT, related_name="review_requests"
    )
    applicant = models.CharField(max_length=300)
    received_on = models.DateField()
    details = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Review request by {self.applicant}"
