"""The contract concluded with a tender's (or lot's) winner: what invoices are matched against."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from procurement.core.roles import Role, role_permission


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONCLUDED = "concluded", _("Concluded")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


_officer = role_permission(Role.PROCUREMENT_OFFICER, organisation=lambda c: c.authority)


class Contract(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # BT-12 on every invoice under this contract.
    reference = models.CharField(_("contract reference"), max_length=60, unique=True)
    tender = models.ForeignKey("tenders.Tender", on_delete=models.PROTECT, related_name="contracts")
    lot = models.ForeignKey(
        "tenders.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    authority = models.ForeignKey(
        "procurement.Organisation", on_delete=models.PROTECT, related_name="contracts_as_buyer"
    )
    supplier = models.ForeignKey(
        "procurement.Organisation", on_delete=models.PROTECT, related_name="contracts_as_supplier"
    )
    title = models.CharField(_("subject"), max_length=300, blank=True)
    value_net = models.DecimalField(_("contract value (net)"), max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # BT-10: Leitweg-ID for German buyers, Chorus Pro service code for French ones.
    buyer_reference = models.CharField(_("buyer reference (BT-10)"), max_length=100)
    # BT-13: purchase order; for French public buyers the engagement number (numéro d'engagement).
    order_reference = models.CharField(_("order reference (BT-13)"), max_length=100, blank=True)
    state = FSMField(
        default=ContractState.DRAFT, choices=ContractState.choices, protected=True, db_index=True
    )
    signed_on = models.DateField(null=True, blank=True)
    # The approved award decision this contract carries out (None for contracts made by hand).
    award = models.OneToOneField(
        "bids.AwardDecision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["buyer_reference", "order_reference"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_net__gte=Decimal("0")), name="contract_value_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.supplier}"

    @property
    def is_invoiceable(self) -> bool:
        return self.state == ContractState.CONCLUDED

    @transition(
        field=state,
        source=ContractState.DRAFT,
        target=ContractState.CONCLUDED,
        permission=_officer,
        custom={"label": _("Contract signed")},
    )
    def conclude(self, *, by, signed_on) -> None:
        self.signed_on = signed_on

    @transition(
        field=state,
        source=ContractState.CONCLUDED,
        target=ContractState.COMPLETED,
        permission=_officer,
        custom={"label": _("Contract completed")},
    )
    def complete(self, *, by) -> None:
        pass

    @transition(
        field=state,
        source=ContractState.CONCLUDED,
        target=ContractState.TERMINATED,
        permission=_officer,
        custom={"label": _("Contract terminated")},
    )
    def terminate(self, *, by, reason: str) -> None:
        pass


class ContractLine(models.Model):
    """A priced item of the contract; pre-fills the supplier's invoice lines."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("1"))
    unit_code = models.CharField(max_length=3, default="C62", help_text=_("UN/ECE Rec 20"))
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    vat_category = models.CharField(max_length=2, default="S")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("19.00"))

    class Meta:
        ordering = ["contract", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="contract_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"
