"""Payment runs (release for payment) and bulk jobs (progress of actions on many invoices)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.core.models import Organisation

from .documents import StoredDocument


class PaymentRun(models.Model):
    """One release: a SEPA pain.001 file and a bookkeeping CSV covering the released invoices."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payment_runs")
    message_id = models.CharField(max_length=35, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    execution_date = models.DateField()
    pain001 = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="+")
    bookkeeping_csv = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="+")
    transaction_count = models.PositiveIntegerField()
    # Control sums per currency, e.g. {"EUR": "1234.50", "CHF": "99.00"}.
    totals = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message_id


class BulkJob(models.Model):
    """An action on many invoices, worked through by a task; the page polls its progress."""

    class Action(models.TextChoices):
        VALIDATE = "validate", _("Validate again")
        MATCH = "match", _("Match to contract")
        APPROVE = "approve", _("Approve")
        MARK_PAID = "mark_paid", _("Mark as paid")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    invoice_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # {"<invoice id>": "message"} for every invoice the action could not be applied to.
    errors = models.JSONField(default=dict)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action} x {len(self.invoice_ids)}"

    @property
    def total(self) -> int:
        return len(self.invoice_ids)

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * (self.done + self.failed) / self.total)
