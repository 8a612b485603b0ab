"""Committee members' personal keys and each tender's opening key with its encrypted shares.

Only public keys and ciphertext live here: a member's private key stays in the member's
passphrase-protected key file, and the opening private key exists only wrapped under a
key-encryption key that is itself split into the shares (docs/envelope.md, section 4).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberKey(models.Model):
    """A committee member's registered public key (X25519 + ML-KEM-768). The newest counts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bid_member_keys"
    )
    kid = models.CharField(_("key id"), max_length=32, unique=True)
    public_key = models.TextField(_("public key (JSON)"))
    label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.kid}"


class OpeningKey(models.Model):
    """The tender's opening public key and its wrapped private key (never the key itself)."""

    tender = models.OneToOneField(
        "tenders.Tender", on_delete=models.PROTECT, related_name="opening_key"
    )
    kid = models.CharField(_("key id"), max_length=32, unique=True)
    public_key = models.TextField(_("opening public key (JSON)"))
    wrapped_private_key = models.TextField(_("wrapped opening private key (JSON)"))
    binding = models.CharField(max_length=100)
    threshold = models.PositiveSmallIntegerField(_("members needed (k)"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.tender.reference} {self.kid}"


class EncryptedShare(models.Model):
    """One Shamir share of the key-encryption key, sealed to one member's personal key."""

    opening_key = models.ForeignKey(OpeningKey, on_delete=models.CASCADE, related_name="shares")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    member_kid = models.CharField(max_length=32)
    index = models.PositiveSmallIntegerField()
    envelope = models.BinaryField()

    class Meta:
        ordering = ["opening_key", "index"]
        constraints = [
            models.UniqueConstraint(fields=["opening_key", "member"], name="share_one_per_member"),
            models.UniqueConstraint(fields=["opening_key", "index"], name="share_index_unique"),
        ]

    def __str__(self) -> str:
        return f"share {self.index} of {self.opening_key}"
