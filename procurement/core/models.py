import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from procurement.core.roles import AUTHORITY_ROLES, OPERATOR_ROLES, Role
from procurement.core.validators import validate_organisation_identifiers


class User(AbstractUser):
    """A person; what they may do follows from their memberships, never from this row alone."""

    language = models.CharField(
        max_length=2,
        choices=[("de", "Deutsch"), ("en", "English"), ("fr", "Français")],
        default="de",
    )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("Contracting authority")
        OPERATOR = "operator", _("Economic operator")

    class AuthorityType(models.TextChoices):
        CENTRAL = "central", _("Central government authority")
        SUB_CENTRAL = "sub_central", _("Sub-central authority")
        SECTOR = "sector", _("Sector contracting entity")
        NONE = "", _("Not a contracting authority")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    authority_type = models.CharField(
        max_length=16, choices=AuthorityType.choices, blank=True, default=""
    )
    name = models.CharField(max_length=300)
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. DE or FR"))
    vat_id = models.CharField(_("VAT identification number"), max_length=20, blank=True)
    leitweg_id = models.CharField(_("Leitweg-ID"), max_length=46, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    service_code = models.CharField(_("Service code (Chorus Pro)"), max_length=100, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    nuts = models.CharField(_("NUTS code"), max_length=5, blank=True)
    email = models.EmailField(blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["authority", "operator"]), name="organisation_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_authority(self) -> bool:
        return self.kind == self.Kind.AUTHORITY

    def clean(self) -> None:
        validate_organisation_identifiers(self)


class Membership(models.Model):
    """One role of one person in one organisation; a person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organisation}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        allowed = AUTHORITY_ROLES if self.organisation.is_authority else OPERATOR_ROLES
        if self.role not in allowed:
            raise ValidationError(
                {"role": _("This role does not exist in this kind of organisation.")}
            )
