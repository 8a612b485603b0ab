"""A sealed bid: ciphertext in the private documents storage, its hash, and its lifecycle.

The server never sees the plaintext before the opening; ``intact``, ``price`` and the decrypted
document are filled by the opening (bids.services.opening).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from procurement.core.roles import Role, role_permission


class BidState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Replaced by a newer bid")
    OPENED = "opened", _("Opened")
    ADMITTED = "admitted", _("Admitted")
    EXCLUDED = "excluded", _("Excluded")


def _bidder(bid: "Bid") -> object:
    return bid.bidder


BIDDER = role_permission(Role.BIDDER_ADMIN, Role.BIDDER_USER, organisation=_bidder)


def _tender_authority(bid: "Bid") -> object:
    return bid.tender.authority


EVALUATION = role_permission(
    Role.EVALUATOR, Role.PROCUREMENT_OFFICER, organisation=_tender_authority
)


def ciphertext_path(bid: "Bid", filename: str) -> str:
    # Unguessable and never reused: a stored bid file is never overwritten.
    return f"bids/{bid.tender.public_id}/{uuid.uuid4().hex}.zbid"


def opened_path(bid: "Bid", filename: str) -> str:
    return f"bids-opened/{bid.tender.public_id}/{uuid.uuid4().hex}.bin"


def _documents():
    from django.core.files.storage import storages

    return storages["documents"]


class Bid(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey("tenders.Tender", on_delete=models.PROTECT, related_name="bids")
    lot = models.ForeignKey(
        "tenders.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="bids"
    )
    # The lot number as bidders and the log name it; 1 for a tender without lots.
    lot_number = models.PositiveSmallIntegerField(default=1)
    bidder = models.ForeignKey(
        "procurement.Organisation", on_delete=models.PROTECT, related_name="bids"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ciphertext = models.FileField(storage=_documents, upload_to=ciphertext_path, max_length=200)
    ciphertext_sha256 = models.CharField(max_length=64)
    ciphertext_size = models.BigIntegerField()
    received_at = models.DateTimeField(_("received at (server time)"))
    log_position = models.PositiveIntegerField()
    receipt = models.TextField(_("signed receipt (JSON)"))

    state = FSMField(
        default=BidState.SUBMITTED, choices=BidState.choices, protected=True, db_index=True
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_receipt = models.TextField(blank=True)

    # Filled by the opening.
    opened_at = models.DateTimeField(null=True, blank=True)
    intact = models.BooleanField(null=True)
    opening_error = models.TextField(blank=True)
    plaintext_size = models.BigIntegerField(null=True, blank=True)
    document = models.FileField(
        storage=_documents, upload_to=opened_path, max_length=200, blank=True
    )
    document_name = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    exclusion_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["tender", "received_at", "pk"]
        indexes = [models.Index(fields=["tender", "bidder", "lot_number", "state"])]

    def __str__(self) -> str:
        return f"{self.tender_id}/{self.lot_number} {self.bidder} {self.state}"

    @property
    def is_opened(self) -> bool:
        return self.opened_at is not None

    @transition(
        field=state,
        source=BidState.SUBMITTED,
        target=BidState.SUPERSEDED,
        permission=BIDDER,
        custom={"label": _("Bid superseded")},
    )
    def supersede(self, *, by, new_bid: "Bid") -> None:
        self.superseded_by = new_bid

    @transition(
        field=state,
        source=BidState.SUBMITTED,
        target=BidState.WITHDRAWN,
        permission=BIDDER,
        custom={"label": _("Bid withdrawn")},
    )
    def withdraw(self, *, by) -> None:
        self.withdrawn_at = timezone.now()

    @transition(
        field=state,
        source=BidState.SUBMITTED,
        target=BidState.OPENED,
        custom={"label": _("Bid opened")},
    )
    def open(self, *, by, intact: bool, ciphertext_sha256: str) -> None:
        self.opened_at = timezone.now()
        self.intact = intact

    @transition(
        field=state,
        source=BidState.OPENED,
        target=BidState.ADMITTED,
        custom={"label": _("Bid admitted")},
    )
    def admit(self, *, by) -> None:
        pass

    # The exclusion decision (VgV §57) belongs to the evaluation services; the transition lives
    # here so the bid has one state machine.
    @transition(
        field=state,
        source=[BidState.OPENED, BidState.ADMITTED],
        target=BidState.EXCLUDED,
        permission=EVALUATION,
        custom={"label": _("Bid excluded")},
    )
    def exclude(self, *, by, reason: str) -> None:
        self.exclusion_reason = reason
