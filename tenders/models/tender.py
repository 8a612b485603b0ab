"""The tender, its lots and award criteria, and the tender lifecycle.

Every state change goes through a ``@transition`` taking the actor as ``by=``; the services in
``tenders.services`` lock the row, check ``has_transition_perm`` and the legal rules, then call it.
The workflows app writes the audit event for each transition.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import (
    RETURN_VALUE,
    ConcurrentTransitionMixin,
    FSMField,
    FSMModelMixin,
    transition,
)

from procurement.core.roles import Role, role_permission


class TenderState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed for submissions")
    OPENED = "opened", _("Bids opened")
    EVALUATED = "evaluated", _("Evaluated")
    STANDSTILL = "standstill", _("Standstill period")
    AWARDED = "awarded", _("Awarded")
    CONCLUDED = "concluded", _("Contract concluded")
    CANCELLED = "cancelled", _("Cancelled")
    SUSPENDED = "suspended", _("Suspended (review pending)")


class ContractType(models.TextChoices):
    SUPPLIES = "supplies", _("Supplies")
    SERVICES = "services", _("Services")
    WORKS = "works", _("Works")


class Regime(models.TextChoices):
    EU = "eu", _("EU (above the thresholds: GWB part 4, VgV/SektVO/VOB/A-EU)")
    NATIONAL = "national", _("National (below the thresholds: UVgO / VOB/A section 1)")


class Procedure(models.TextChoices):
    # EU procedures (GWB §119, VgV §§14-19)
    OPEN = "open", _("Open procedure")
    RESTRICTED = "restricted", _("Restricted procedure")
    NEGOTIATED_WITH_CALL = "negotiated_with_call", _("Negotiated procedure with prior call")
    NEGOTIATED_WITHOUT_CALL = (
        "negotiated_without_call",
        _("Negotiated procedure without prior call"),
    )
    COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Competitive dialogue")
    INNOVATION_PARTNERSHIP = "innovation_partnership", _("Innovation partnership")
    # National procedures (UVgO §8; VOB/A §3 for works)
    NATIONAL_PUBLIC = "national_public", _("Öffentliche Ausschreibung")
    NATIONAL_RESTRICTED_WITH_CALL = (
        "national_restricted_with_call",
        _("Beschränkte Ausschreibung mit Teilnahmewettbewerb"),
    )
    NATIONAL_RESTRICTED_WITHOUT_CALL = (
        "national_restricted_without_call",
        _("Beschränkte Ausschreibung ohne Teilnahmewettbewerb"),
    )
    NATIONAL_NEGOTIATED_WITH_CALL = (
        "national_negotiated_with_call",
        _("Verhandlungsvergabe mit Teilnahmewettbewerb"),
    )
    NATIONAL_NEGOTIATED_WITHOUT_CALL = (
        "national_negotiated_without_call",
        _("Verhandlungsvergabe ohne Teilnahmewettbewerb"),
    )


EU_PROCEDURES = frozenset(
    {
        Procedure.OPEN,
        Procedure.RESTRICTED,
        Procedure.NEGOTIATED_WITH_CALL,
        Procedure.NEGOTIATED_WITHOUT_CALL,
        Procedure.COMPETITIVE_DIALOGUE,
        Procedure.INNOVATION_PARTNERSHIP,
    }
)
NATIONAL_PROCEDURES = frozenset(set(Procedure) - EU_PROCEDURES)
# Procedures with a separate call for competition (Teilnahmewettbewerb): participation requests
# come first and have their own deadline.
TWO_STAGE_PROCEDURES = frozenset(
    {
        Procedure.RESTRICTED,
        Procedure.NEGOTIATED_WITH_CALL,
        Procedure.COMPETITIVE_DIALOGUE,
        Procedure.INNOVATION_PARTNERSHIP,
        Procedure.NATIONAL_RESTRICTED_WITH_CALL,
        Procedure.NATIONAL_NEGOTIATED_WITH_CALL,
    }
)


class EntityActivity(models.TextChoices):
    """Sector activity of a utilities procedure (SektVO; eForms entity-activity, BT-610)."""

    WATER = "water", _("Water")
    ELECTRICITY = "electricity", _("Electricity")
    GAS_HEAT = "gas-heat", _("Gas and heat")
    GAS_OIL = "gas-oil", _("Extraction of gas or oil")
    COAL = "coal", _("Coal and other solid fuels")
    RAIL = "rail", _("Railway services")
    URBAN_TRANSPORT = "urttb", _("Urban railway, tramway, trolleybus or bus services")
    PORT = "port", _("Port-related activities")
    AIRPORT = "airport", _("Airport-related activities")
    POST = "post", _("Postal services")


class CancellationGround(models.TextChoices):
    """The grounds of VgV §63 Abs. 1 (UVgO §48 and VOB/A §17 read alike)."""

    NO_COMPLIANT_OFFER = (
        "no_compliant_offer",
        _("No offer meets the conditions (VgV §63 Abs. 1 Nr. 1)"),
    )
    BASIS_CHANGED = (
        "basis_changed",
        _("The basis of the procedure has changed substantially (VgV §63 Abs. 1 Nr. 2)"),
    )
    NOT_ECONOMIC = "not_economic", _("No economic result (VgV §63 Abs. 1 Nr. 3)")
    OTHER_SERIOUS = "other_serious", _("Other serious reasons (VgV §63 Abs. 1 Nr. 4)")


def _authority(tender: "Tender") -> object:
    return tender.authority


OFFICER = role_permission(Role.PROCUREMENT_OFFICER, organisation=_authority)
APPROVER = role_permission(Role.APPROVER, organisation=_authority)
COMMITTEE = role_permission(Role.OPENING_COMMITTEE, organisation=_authority)
EVALUATOR = role_permission(Role.EVALUATOR, organisation=_authority)
OFFICER_OR_EVALUATOR = role_permission(
    Role.PROCUREMENT_OFFICER, Role.EVALUATOR, organisation=_authority
)


# Guards: pure, cheap checks on the instance. The services give the detailed message first.
def has_core_data(tender: "Tender") -> bool:
    return bool(tender.title and tender.cpv_main and tender.submission_deadline)


def was_submitted(tender: "Tender") -> bool:
    return tender.submitted_by_id is not None


def was_approved(tender: "Tender") -> bool:
    return tender.approved_by_id is not None and tender.approved_at is not None


def submission_deadline_in_future(tender: "Tender") -> bool:
    return tender.submission_deadline is not None and tender.submission_deadline > timezone.now()


def submission_deadline_passed(tender: "Tender") -> bool:
    return tender.submission_deadline is not None and tender.submission_deadline <= timezone.now()


def opening_time_reached(tender: "Tender") -> bool:
    return tender.opening_at is not None and tender.opening_at <= timezone.now()


def was_opened(tender: "Tender") -> bool:
    return tender.opened_at is not None


def was_evaluated(tender: "Tender") -> bool:
    return tender.evaluated_at is not None


def standstill_over(tender: "Tender") -> bool:
    return tender.standstill_ends_at is not None and tender.standstill_ends_at <= timezone.now()


def may_award(tender: "Tender") -> bool:
    """After the standstill period (GWB §134 Abs. 2); below the EU thresholds GWB §134 does not
    apply, so a national tender may be awarded straight after evaluation."""
    if tender.state == TenderState.EVALUATED:
        return tender.regime == Regime.NATIONAL and tender.evaluated_at is not None
    return standstill_over(tender)


def was_awarded(tender: "Tender") -> bool:
    return tender.awarded_at is not None


def not_concluded(tender: "Tender") -> bool:
    return tender.concluded_at is None


def can_resume(tender: "Tender") -> bool:
    return tender.suspended_from in SUSPENDABLE_STATES


SUSPENDABLE_STATES = [
    TenderState.CLOSED,
    TenderState.OPENED,
    TenderState.EVALUATED,
    TenderState.STANDSTILL,
    TenderState.AWARDED,
]
CANCELLABLE_STATES = [
    state for state in TenderState if state not in {TenderState.CONCLUDED, TenderState.CANCELLED}
]
# States in which the tender is visible to the public (portal, documents, Q&A).
PUBLIC_STATES = frozenset(
    {
        TenderState.PUBLISHED,
        TenderState.CLOSED,
        TenderState.OPENED,
        TenderState.EVALUATED,
        TenderState.STANDSTILL,
        TenderState.AWARDED,
        TenderState.CONCLUDED,
        TenderState.SUSPENDED,
    }
)


class ReviewBody(models.Model):
    """The review body (Vergabekammer, GWB §156) named in EU notices for review procedures."""

    name = models.CharField(max_length=300)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, default="DE")
    nuts = models.CharField(_("NUTS code"), max_length=5, blank=True)
    email = models.EmailField(blank=True)
    identifier = models.CharField(
        _("organisation identifier"), max_length=100, help_text=_("eForms BT-501")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenderQuerySet(models.QuerySet):
    def public(self) -> "TenderQuerySet":
        """Tenders the public may see: published at some point and not withdrawn before that."""
        return self.filter(published_at__isnull=False)

    def open_for_bids(self) -> "TenderQuerySet":
        return self.filter(state=TenderState.PUBLISHED, submission_deadline__gt=timezone.now())


class Tender(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A procurement procedure of one contracting authority (Vergabeverfahren)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authority = models.ForeignKey(
        "procurement.Organisation",
        on_delete=models.PROTECT,
        related_name="tenders",
        limit_choices_to={"kind": "authority"},
    )
    reference = models.CharField(_("reference number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(max_length=2, default="de")
    cpv_main = models.CharField(_("main CPV code"), max_length=10, db_index=True)
    cpv_additional = models.JSONField(_("additional CPV codes"), default=list, blank=True)
    nuts = models.CharField(_("place of performance (NUTS)"), max_length=5)
    contract_type = models.CharField(
        _("contract type"), max_length=16, choices=ContractType.choices
    )
    is_concession = models.BooleanField(_("concession"), default=False)
    entity_activity = models.CharField(
        _("sector activity"), max_length=20, choices=EntityActivity.choices, blank=True
    )
    procedure = models.CharField(_("procedure"), max_length=40, choices=Procedure.choices)
    estimated_value = models.DecimalField(
        _("estimated value (net)"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(max_length=3, default="EUR")
    regime = models.CharField(
        _("rules"), max_length=16, choices=Regime.choices, default=Regime.NATIONAL, db_index=True
    )
    electronic_submission = models.BooleanField(_("electronic submission"), default=True)
    urgency_reason = models.TextField(
        _("documented urgency"),
        blank=True,
        help_text=_("Only when a duly substantiated urgency shortens the time limits."),
    )
    prior_information_sent_on = models.DateField(
        _("prior information notice sent on"),
        null=True,
        blank=True,
        help_text=_(
            "Shortens the offer time limits (VgV §38 Abs. 3) when sent 35 days to 12 months before."
        ),
    )
    duration_months = models.PositiveSmallIntegerField(
        _("contract duration (months)"), null=True, blank=True
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=40, blank=True)
    review_body = models.ForeignKey(
        ReviewBody,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tenders",
        verbose_name=_("review body"),
    )

    participation_deadline = models.DateTimeField(
        _("deadline for requests to participate"), null=True, blank=True
    )
    questions_deadline = models.DateTimeField(_("deadline for questions"), null=True, blank=True)
    submission_deadline = models.DateTimeField(
        _("deadline for offers"), null=True, blank=True, db_index=True
    )
    opening_at = models.DateTimeField(_("opening of offers"), null=True, blank=True)

    committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="committee_tenders",
        blank=True,
        verbose_name=_("opening committee"),
    )
    opening_quorum = models.PositiveSmallIntegerField(_("members needed to open (k)"), default=2)

    state = FSMField(
        default=TenderState.DRAFT, choices=TenderState.choices, protected=True, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    standstill_ends_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_ground = models.CharField(
        max_length=32, choices=CancellationGround.choices, blank=True
    )
    cancellation_reason = models.TextField(blank=True)
    suspended_from = models.CharField(max_length=32, choices=TenderState.choices, blank=True)
    suspension_reason = models.TextField(blank=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "submission_deadline"]),
            models.Index(fields=["authority", "state"]),
            # The portal's walk newest first with its filters checked in the index, never in
            # the table row (tenders.portal_selectors._public_matching).
            models.Index(
                fields=[
                    "published_at",
                    "id",
                    "contract_type",
                    "procedure",
                    "regime",
                    "submission_deadline",
                    "state",
                ],
                name="tender_portal_walk",
            ),
            # The same walk among the tenders of one procedure, contract type or set of rules:
            # a search filtering by one of them walks only its tenders (the most selective one
            # given, see tenders.portal_selectors.PORTAL_LEAD_FILTERS).
            *(
                models.Index(
                    fields=[
                        lead,
                        "published_at",
                        "id",
                        *(
                            name
                            for name in ("contract_type", "procedure", "regime")
                            if name != lead
                        ),
                        "submission_deadline",
                        "state",
                    ],
                    name=f"tender_walk_{lead}",
                )
                for lead in ("procedure", "contract_type", "regime")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0), name="tender_value_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(opening_quorum__gte=2), name="tender_quorum_at_least_two"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def ocid(self) -> str:
        """Open Contracting ID: the registered prefix plus the tender's UUID, which never
        changes (tenders.publication.ocds.ocid builds the same from the publication data)."""
        return f"{settings.ZUSCHLAG_OCID_PREFIX}-{self.public_id}"

    @property
    def is_urgent(self) -> bool:
        return bool(self.urgency_reason.strip())

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.state in PUBLIC_STATES

    @property
    def is_two_stage(self) -> bool:
        return self.procedure in TWO_STAGE_PROCEDURES

    @property
    def is_editable(self) -> bool:
        return self.state == TenderState.DRAFT

    def questions_open(self, *, at=None) -> bool:
        at = at or timezone.now()
        deadline = self.questions_deadline or self.submission_deadline
        return self.state == TenderState.PUBLISHED and deadline is not None and at <= deadline

    def audit_payload(self, transition_name: str) -> dict[str, object]:
        """What the audit digest covers besides the transition kwargs."""
        return {
            "reference": self.reference,
            "submission_deadline": self.submission_deadline,
            "estimated_value": self.estimated_value,
            "regime": self.regime,
        }

    # --- lifecycle -------------------------------------------------------------------------

    @transition(
        field=state,
        source=TenderState.DRAFT,
        target=TenderState.PENDING_APPROVAL,
        conditions=[has_core_data],
        permission=OFFICER,
        custom={"label": _("Submitted for approval")},
    )
    def submit(self, *, by) -> None:
        self.submitted_by = by
        self.submitted_at = timezone.now()
        self.returned_reason = ""

    @transition(
        field=state,
        source=TenderState.PENDING_APPROVAL,
        target=TenderState.DRAFT,
        conditions=[was_submitted],
        permission=APPROVER,
        custom={"label": _("Returned for changes")},
    )
    def return_to_draft(self, *, by, reason: str) -> None:
        self.returned_reason = reason
        self.submitted_by = None
        self.submitted_at = None

    @transition(
        field=state,
        source=TenderState.APPROVED,
        target=TenderState.DRAFT,
        conditions=[was_approved],
        permission=OFFICER,
        custom={"label": _("Reopened as draft")},
    )
    def reopen(self, *, by, reason: str) -> None:
        """Back to draft before publication (e.g. its deadlines no longer meet the minimum);
        the approval lapses, so the changed tender needs a new one."""
        self.returned_reason = reason
        self.submitted_by = None
        self.submitted_at = None
        self.approved_by = None
        self.approved_at = None

    @transition(
        field=state,
        source=TenderState.PENDING_APPROVAL,
        target=TenderState.APPROVED,
        conditions=[was_submitted, submission_deadline_in_future],
        permission=APPROVER,
        custom={"label": _("Tender approved")},
    )
    def approve(self, *, by) -> None:
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=TenderState.APPROVED,
        target=TenderState.PUBLISHED,
        conditions=[was_approved, submission_deadline_in_future],
        permission=OFFICER,
        custom={"label": _("Tender published")},
    )
    def publish(self, *, by) -> None:
        self.published_at = timezone.now()

    @transition(
        field=state,
        source=TenderState.PUBLISHED,
        target=TenderState.CLOSED,
        conditions=[submission_deadline_passed],
        permission=OFFICER,
        custom={"label": _("Submission period closed")},
    )
    def close(self, *, by=None) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=TenderState.CLOSED,
        target=TenderState.OPENED,
        conditions=[submission_deadline_passed, opening_time_reached],
        permission=COMMITTEE,
        custom={"label": _("Bids opened")},
    )
    def open(self, *, by, **payload) -> None:
        self.opened_at = timezone.now()

    @transition(
        field=state,
        source=TenderState.OPENED,
        target=TenderState.EVALUATED,
        conditions=[was_opened],
        permission=OFFICER_OR_EVALUATOR,
        custom={"label": _("Evaluation completed")},
    )
    def evaluate(self, *, by, **payload) -> None:
        self.evaluated_at = timezone.now()

    @transition(
        field=state,
        source=TenderState.EVALUATED,
        target=TenderState.STANDSTILL,
        conditions=[was_evaluated],
        permission=OFFICER,
        custom={"label": _("Standstill period started")},
    )
    def standstill(self, *, by, ends_at, **payload) -> None:
        """Start the GWB §134 standstill; ``ends_at`` is computed by the caller (bids)."""
        self.standstill_ends_at = ends_at

    @transition(
        field=state,
        source=[TenderState.STANDSTILL, TenderState.EVALUATED],
        target=TenderState.AWARDED,
        conditions=[may_award],
        permission=OFFICER,
        custom={"label": _("Contract awarded")},
    )
    def award(self, *, by, **payload) -> None:
        self.awarded_at = timezone.now()

    @transition(
        field=state,
        source=TenderState.AWARDED,
        target=TenderState.CONCLUDED,
        conditions=[was_awarded],
        permission=OFFICER,
        custom={"label": _("Contract concluded")},
    )
    def conclude(self, *, by, **payload) -> None:
        self.concluded_at = timezone.now()

    @transition(
        field=state,
        source=CANCELLABLE_STATES,
        target=TenderState.CANCELLED,
        conditions=[not_concluded],
        permission=OFFICER,
        custom={"label": _("Procedure cancelled")},
    )
    def cancel(self, *, by, ground: str, reason: str) -> None:
        self.cancelled_at = timezone.now()
        self.cancellation_ground = ground
        self.cancellation_reason = reason

    @transition(
        field=state,
        source=SUSPENDABLE_STATES,
        target=TenderState.SUSPENDED,
        conditions=[not_concluded],
        permission=OFFICER,
        custom={"label": _("Suspended for review")},
    )
    def suspend(self, *, by, reason: str) -> None:
        """A review (Nachprüfung, GWB §169 Abs. 1) is pending: nothing may be awarded."""
        self.suspended_from = self.state
        self.suspension_reason = reason

    @transition(
        field=state,
        source=TenderState.SUSPENDED,
        target=RETURN_VALUE(*SUSPENDABLE_STATES),
        conditions=[can_resume],
        permission=OFFICER,
        custom={"label": _("Resumed")},
    )
    def resume(self, *, by, reason: str = "") -> str:
        previous = self.suspended_from
        self.suspended_from = ""
        return previous


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cpv_main = models.CharField(_("main CPV code"), max_length=10)
    estimated_value = models.DecimalField(
        _("estimated value (net)"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="lot_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.title}"

    @property
    def has_own_criteria(self) -> bool:
        return self.criteria.exists()


class CriterionKind(models.TextChoices):
    PRICE = "price", _("Price")
    COST = "cost", _("Cost (life-cycle)")
    QUALITY = "quality", _("Quality")


class AwardCriterion(models.Model):
    """One award criterion (VgV §58); a tender's (or a lot's own) weights sum to 100."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="criteria"
    )
    kind = models.CharField(max_length=16, choices=CriterionKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["tender", "lot", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gt=0) & models.Q(weight__lte=100),
                name="criterion_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight} %)"
