"""The archive of original invoice bytes (GoBD): written once, never changed, found by SHA-256."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def document_path(instance: StoredDocument, filename: str) -> str:
    """Unguessable path ``invoices/<year>/<uuid>.<ext>``; the upload's own name is never used."""
    ext = {"application/xml": "xml", "application/pdf": "pdf"}.get(instance.content_type, "bin")
    return f"invoices/{timezone.now():%Y}/{uuid.uuid4().hex}.{ext}"


class StoredDocument(models.Model):
    """One file exactly as it arrived (or as we generated it): bytes, SHA-256, size, sniffed type.

    ``storage_name`` points into ``STORAGES["documents"]``; the file is written with a new random
    name and never overwritten or deleted by this application.
    """

    class Purpose(models.TextChoices):
        INVOICE = "invoice", _("Invoice as received")
        REPORT = "report", _("Validation report")
        NOTICE = "notice", _("Rejection notice")
        PAYMENT = "payment", _("Payment file (pain.001)")
        BOOKING = "booking", _("Bookkeeping export (CSV)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, editable=False)
    storage_name = models.CharField(max_length=300, unique=True, editable=False)
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    # Sniffed from the first bytes; the client's Content-Type is never trusted.
    content_type = models.CharField(max_length=100, editable=False)
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name or self.storage_name} ({self.sha256[:12]})"

    def save(self, *args, **kwargs):
        # An archived document is immutable; only its first insert is allowed.
        if not self._state.adding:
            raise ValueError("stored documents are immutable (GoBD) and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("stored documents are immutable (GoBD) and cannot be deleted")
