"""One opening of a tender's bids: who handed over a share, progress, and the record (PDF)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from procurement.core.i18n import for_reader


class OpeningState(models.TextChoices):
    COLLECTING = "collecting", _("Waiting for committee members' shares")
    RUNNING = "running", _("Decrypting the bids")
    DONE = "done", _("Opened")


def record_path(session: "OpeningSession", filename: str) -> str:
    return f"opening-records/{session.tender.public_id}/{uuid.uuid4().hex}.pdf"


def _documents():
    from django.core.files.storage import storages

    return storages["documents"]


class OpeningSession(models.Model):
    """Started by an officer after the deadline; shares count for this session only.

    ``session_private_key`` lets members seal their share to this opening alone; it and the
    handed-over shares are wiped when the opening is done, so nothing left behind can rebuild
    the opening key later.
    """

    tender = models.OneToOneField(
        "tenders.Tender", on_delete=models.PROTECT, related_name="opening_session"
    )
    state = models.CharField(
        max_length=16, choices=OpeningState.choices, default=OpeningState.COLLECTING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    session_public_key = models.TextField()
    session_private_key = models.BinaryField(blank=True, default=b"")
    checkpoint = models.TextField(_("signed log checkpoint (JSON)"))
    log_head = models.CharField(max_length=64)
    log_entries = models.PositiveIntegerField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    record = models.FileField(storage=_documents, upload_to=record_path, blank=True)
    record_sha256 = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)  # in the default language, for the admin and logs
    # The same message in every language (procurement.core.i18n): a timer may have written it.
    last_error_texts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"opening of {self.tender_id} ({self.state})"

    @property
    def error_message(self) -> str:
        """Why the opening stopped, in the reader's language."""
        return for_reader(self.last_error_texts, self.last_error)


class ShareHandover(models.Model):
    """A member's decrypted share handed over to this opening (wiped once it is done)."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="handovers")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField()
    share = models.TextField(blank=True)
    handed_over_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "handed_over_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="handover_once_per_member"),
            models.UniqueConstraint(fields=["session", "index"], name="handover_index_once"),
        ]

    def __str__(self) -> str:
        return f"share {self.index} by {self.member}"
