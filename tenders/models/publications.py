"""Published notices (eForms XML, OCDS JSON) as stored at publication: immutable, hashed."""

import uuid

from django.db import models


class TenderPublication(models.Model):
    class Kind(models.TextChoices):
        EFORMS = "eforms", "eForms notice (UBL XML)"
        OCDS = "ocds", "OCDS release (JSON)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(
        "tenders.Tender", on_delete=models.CASCADE, related_name="publications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Notice id (eForms) or release id (OCDS); a later change gets a new row, never an update.
    identifier = models.CharField(max_length=120)
    sequence = models.PositiveIntegerField(default=1)
    content = models.TextField()
    content_type = models.CharField(max_length=60)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender", "kind", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "kind", "sequence"], name="publication_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier}"
