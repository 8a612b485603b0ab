"""Tender documents (Vergabeunterlagen): each upload is a new, immutable, hashed version."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def document_upload_to(instance: "DocumentVersion", filename: str) -> str:
    # Unguessable and never derived from the uploader's file name: nobody can enumerate
    # documents of unpublished tenders, and no path is ever overwritten.
    return f"tenders/documents/{uuid.uuid4().hex}/{uuid.uuid4().hex}{instance.extension}"


class TenderDocument(models.Model):
    """A named document of a tender; its content lives in versions, the newest one counts."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="documents")
    lot = models.ForeignKey(
        "tenders.Lot", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender", "title", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> "DocumentVersion | None":
        return self.versions.order_by("-number").first()


class DocumentVersion(models.Model):
    """One uploaded file. Never updated or deleted; a correction is a new version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(TenderDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=document_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    change_note = models.TextField(blank=True)
    substantial = models.BooleanField(default=False)
    # Set when the version was added to an already published tender (a change notice).
    published_change = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    @property
    def download_name(self) -> str:
        return self.original_name
