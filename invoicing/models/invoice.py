"""The incoming invoice and its lifecycle (received → … → paid), plus what hangs off it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from procurement.core.models import Organisation
from procurement.core.roles import Role, has_role

from .documents import StoredDocument


def _buyer_roles(*roles: str):
    """FSM permission: the user holds one of ``roles`` in the invoice's buyer organisation."""

    def check(instance: Invoice, user: Any) -> bool:
        return has_role(user, instance.buyer_id, roles)

    check.__name__ = f"buyer_{'_or_'.join(roles)}"
    return check


def _system_or_buyer_roles(*roles: str):
    """FSM permission for steps the system takes by itself (actor ``None``) or a clerk repeats."""
    by_role = _buyer_roles(*roles)

    def check(instance: Invoice, user: Any) -> bool:
        return user is None or by_role(instance, user)

    check.__name__ = f"system_or_{by_role.__name__}"
    return check


CLERK = _buyer_roles(Role.AP_CLERK)
APPROVER = _buyer_roles(Role.AP_APPROVER)
CLERK_OR_APPROVER = _buyer_roles(Role.AP_CLERK, Role.AP_APPROVER)
SYSTEM_OR_CLERK = _system_or_buyer_roles(Role.AP_CLERK)


class Invoice(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """An invoice or credit note that arrived in a buyer's inbox.

    Extracted fields (number, seller, amounts …) are read from ``document`` and point back to it;
    the document's bytes are the record, these columns are an index for people and matching.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        VALIDATING = "validating", _("Validating")
        INVALID = "invalid", _("Invalid")
        REJECTED = "rejected", _("Rejected")
        VALID = "valid", _("Valid")
        MATCHED = "matched", _("Matched")
        APPROVED = "approved", _("Approved")
        RELEASED = "released", _("Released for payment")
        PAID = "paid", _("Paid")
        DISPUTED = "disputed", _("Disputed")

    class Channel(models.TextChoices):
        UPLOAD = "upload", _("Web upload")
        API = "api", _("REST API")
        MAIL = "mail", _("E-mail")
        PORTAL = "portal", _("Supplier portal")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="received_invoices"
    )
    supplier = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_invoices",
        help_text=_("The supplier organisation, when it submitted the invoice or was recognised."),
    )
    document = models.ForeignKey(
        StoredDocument, on_delete=models.PROTECT, related_name="invoices", editable=False
    )
    # The document's SHA-256 again: unique per inbox, so the same bytes are one invoice even when
    # two requests race (API idempotency by content hash).
    sha256 = models.CharField(max_length=64, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = FSMField(default=State.RECEIVED, choices=State.choices, protected=True, db_index=True)

    # Extracted from the document (empty until read, or when it could not be read).
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    syntax = models.CharField(max_length=20, blank=True)
    specification_id = models.CharField(max_length=200, blank=True)
    number = models.CharField(_("invoice number (BT-1)"), max_length=200, blank=True)
    type_code = models.CharField(max_length=3, blank=True)
    issue_date = models.DateField(_("issue date (BT-2)"), null=True, blank=True)
    due_date = models.DateField(_("due date (BT-9)"), null=True, blank=True, db_index=True)
    currency = models.CharField(max_length=3, blank=True)
    seller_name = models.CharField(max_length=300, blank=True)
    seller_vat_id = models.CharField(max_length=30, blank=True)
    seller_legal_id = models.CharField(max_length=50, blank=True)
    seller_legal_scheme = models.CharField(max_length=10, blank=True)
    seller_country = models.CharField(max_length=2, blank=True)
    seller_iban = models.CharField(max_length=34, blank=True)
    seller_bic = models.CharField(max_length=11, blank=True)
    seller_email = models.CharField(max_length=254, blank=True)
    buyer_name = models.CharField(max_length=300, blank=True)
    buyer_reference = models.CharField(_("buyer reference (BT-10)"), max_length=200, blank=True)
    order_reference = models.CharField(_("order reference (BT-13)"), max_length=200, blank=True)
    contract_reference = models.CharField(
        _("contract reference (BT-12)"), max_length=200, blank=True
    )
    preceding_number = models.CharField(_("preceding invoice (BT-25)"), max_length=200, blank=True)
    net_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    tax_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    gross_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    payable_amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, db_index=True
    )
    extraction_error = models.TextField(blank=True)

    # Same seller + number + issue date as an earlier invoice: flagged, not processed again.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # A credit note points to the invoice it corrects (BT-25 resolved to our record).
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    # A supplier's new submission after a rejection.
    resubmission_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resubmissions"
    )

    # Matching: the contract and the field-by-field outcome the clerk sees. Invoicing reads
    # contracts (invoicing.selectors) and never writes to them.
    contract = models.ForeignKey(
        "bids.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    match_result = models.JSONField(default=list, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    first_approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    payment_run = models.ForeignKey(
        "invoicing.PaymentRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    state_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # The same bytes sent twice to one inbox are one invoice (API idempotency).
            models.UniqueConstraint(fields=["buyer", "sha256"], name="invoice_once_per_inbox"),
        ]
        indexes = [
            models.Index(fields=["buyer", "state", "-received_at"]),
            models.Index(fields=["buyer", "seller_vat_id", "number", "issue_date"]),
            models.Index(fields=["buyer", "seller_legal_id", "number", "issue_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or self.public_id}"

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

    @property
    def amount_for_limits(self) -> Decimal:
        return self.payable_amount if self.payable_amount is not None else Decimal("0")

    # Transitions: bodies only set fields; services lock, check permissions and save.

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.VALIDATING,
        permission=SYSTEM_OR_CLERK,
        custom={"label": _("Validation started")},
    )
    def begin_validation(self, *, by: Any = None) -> None:
        pass

    @transition(
        field=state,
        source=State.VALIDATING,
        target=State.VALID,
        permission=SYSTEM_OR_CLERK,
        custom={"label": _("Found valid")},
    )
    def accept(self, *, by: Any = None, report_sha256: str = "") -> None:
        pass

    @transition(
        field=state,
        source=State.VALIDATING,
        target=State.INVALID,
        permission=SYSTEM_OR_CLERK,
        custom={"label": _("Found invalid")},
    )
    def refuse(self, *, by: Any = None, report_sha256: str = "", errors: int = 0) -> None:
        pass

    @transition(
        field=state,
        source=[State.INVALID, State.DISPUTED],
        target=State.REJECTED,
        permission=CLERK,
        custom={"label": _("Invoice rejected")},
    )
    def reject(self, *, by: Any, reason: str) -> None:
        self.state_reason = reason

    @transition(
        field=state,
        source=[State.VALID, State.DISPUTED],
        target=State.MATCHED,
        conditions=[lambda invoice: invoice.contract_id is not None],
        permission=SYSTEM_OR_CLERK,
        custom={"label": _("Matched to contract")},
    )
    def match(self, *, by: Any = None, contract_id: int, overrides: int = 0) -> None:
        self.matched_at = timezone.now()

    @transition(
        field=state,
        source=State.MATCHED,
        target=State.APPROVED,
        permission=APPROVER,
        custom={"label": _("Invoice approved")},
    )
    def approve(self, *, by: Any, second_of: Any = None) -> None:
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=[State.MATCHED, State.APPROVED],
        target=State.DISPUTED,
        permission=CLERK_OR_APPROVER,
        custom={"label": _("Invoice disputed")},
    )
    def dispute(self, *, by: Any, reason: str) -> None:
        self.state_reason = reason
        self.first_approval_by = None

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.RELEASED,
        permission=APPROVER,
        custom={"label": _("Released for payment")},
    )
    def release(self, *, by: Any, payment_run: Any) -> None:
        self.payment_run = payment_run

    @transition(
        field=state,
        source=State.RELEASED,
        target=State.PAID,
        permission=CLERK_OR_APPROVER,
        custom={"label": _("Payment recorded")},
    )
    def mark_paid(self, *, by: Any, paid_on: Any = None) -> None:
        self.paid_at = timezone.now()


# The engine's verdict is stored as its raw code; people read it as the recommendation it is.
VERDICT_LABELS = {
    "accept": _("Acceptance recommended"),
    "reject": _("Rejection recommended"),
}


class ValidationReport(models.Model):
    """Exactly one validation result per invoice (one-to-one: a second run cannot add another)."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="validation_report"
    )
    document_sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of what was checked"))
    verdict = models.CharField(max_length=10)  # accept | reject
    scenario = models.CharField(max_length=200, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    report_json = models.JSONField()
    report_xml = models.TextField(help_text=_("KoSIT-compatible VARL report"))
    report_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.verdict} · {self.invoice}"

    @property
    def verdict_label(self) -> str:
        """The verdict in the active language (the raw code for one the engine may add later)."""
        return str(VERDICT_LABELS.get(self.verdict, self.verdict))

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.report_json.get("findings", []))


class MatchOverride(models.Model):
    """A clerk accepted a mismatching field on purpose, with a reason (audited)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="overrides")
    field = models.CharField(max_length=40)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "field"], name="override_once_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.field}"


class RejectionNotice(models.Model):
    """What the supplier was told, in their language, with every finding in plain words."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="notice")
    language = models.CharField(max_length=2)
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    pdf = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.subject
