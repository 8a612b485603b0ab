"""Interested bidders and the in-app notifications they receive."""

from django.conf import settings
from django.db import models


class InterestRegistration(models.Model):
    """A bidder organisation follows a tender: it is told about document changes and answers."""

    tender = models.ForeignKey(
        "tenders.Tender", on_delete=models.CASCADE, related_name="interest_registrations"
    )
    organisation = models.ForeignKey(
        "procurement.Organisation", on_delete=models.CASCADE, related_name="tender_interests"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "organisation"], name="interest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.tender_id}"


class Notification(models.Model):
    """One message in a person's in-app inbox (also sent by e-mail when they have an address)."""

    class Kind(models.TextChoices):
        DOCUMENT_CHANGED = "document_changed"
        DEADLINE_EXTENDED = "deadline_extended"
        ANSWER_PUBLISHED = "answer_published"
        TENDER_CANCELLED = "tender_cancelled"
        QUESTION_RECEIVED = "question_received"
        APPROVAL_REQUESTED = "approval_requested"
        # Written by bids (evaluation and award) into the same inbox.
        DOCUMENT_REQUEST = "document_request"
        AWARD_INFORMATION = "award_information"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    tender = models.ForeignKey(
        "tenders.Tender",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject
