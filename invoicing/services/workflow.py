"""Approval (four eyes above the limit), dispute, resume, rejection and payment confirmation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from invoicing.conf import four_eyes_above
from invoicing.errors import InvoiceForbiddenError, InvoiceStateError, MatchingError
from invoicing.models import Invoice
from procurement.core.roles import Role
from workflows.audit import record
from workflows.four_eyes import ensure_second_person


def _locked(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def _require(invoice: Invoice, transition: Any, actor: Any, what: str) -> None:
    if not transition._django_fsm.has_transition(invoice.state):
        raise InvoiceStateError(
            _("%(step)s: not possible while the invoice is %(state)s.")
            % {"step": what, "state": invoice.get_state_display()}
        )
    if not has_transition_perm(transition, actor):
        raise InvoiceForbiddenError(
            _("%(step)s: you do not hold the role for this step.") % {"step": what}
        )


@transaction.atomic
def invoice_approve(*, invoice_id: int, actor: Any) -> Invoice:
    """Approve a matched invoice. Above ``ZUSCHLAG_AP_FOUR_EYES_ABOVE`` the first approver's
    approval is recorded and a second, different AP approver completes it.

    Raises ``InvoiceStateError`` (409), ``InvoiceForbiddenError``/``FourEyesError`` (403).
    """
    invoice = _locked(invoice_id)
    _require(invoice, invoice.approve, actor, _("Approve"))
    if invoice.amount_for_limits > four_eyes_above():
        if invoice.first_approval_by_id is None:
            invoice.first_approval_by = actor
            invoice.save(update_fields=["first_approval_by"])
            record(
                actor=actor,
                obj=invoice,
                action="invoicing.invoice.first_approval",
                payload={"amount": invoice.amount_for_limits, "limit": four_eyes_above()},
            )
            return invoice
        ensure_second_person(
            requested_by=invoice.first_approval_by,
            actor=actor,
            organisation=invoice.buyer,
            role=Role.AP_APPROVER,
        )
        invoice.approve(by=actor, second_of=invoice.first_approval_by)
    else:
        invoice.approve(by=actor)
    invoice.save(update_fields=["state", "approved_at"])
    return invoice


@transaction.atomic
def invoice_dispute(*, invoice_id: int, actor: Any, reason: str) -> Invoice:
    """Hold a matched or approved invoice (a question to the supplier); reason required."""
    if not (reason or "").strip():
        raise MatchingError(_("Give the reason for the dispute."), field="reason")
    invoice = _locked(invoice_id)
    _require(invoice, invoice.dispute, actor, _("Dispute"))
    invoice.dispute(by=actor, reason=reason.strip())
    invoice.save(update_fields=["state", "state_reason", "first_approval_by"])
    return invoice


@transaction.atomic
def invoice_reject(*, invoice_id: int, actor: Any, reason: str = "") -> Invoice:
    """Reject an invalid or disputed invoice and send the supplier the notice (on commit)."""
    invoice = _locked(invoice_id)
    _require(invoice, invoice.reject, actor, _("Reject"))
    invoice.reject(by=actor, reason=(reason or "").strip())
    invoice.save(update_fields=["state", "state_reason"])
    from invoicing.services.rejection import rejection_notice_create

    notice = rejection_notice_create(invoice=invoice, actor=actor)
    from invoicing.tasks import rejection_notice_send_task

    transaction.on_commit(lambda: rejection_notice_send_task.delay(notice.pk))
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice_id: int, actor: Any) -> Invoice:
    """The bank executed the payment file: released → paid."""
    invoice = _locked(invoice_id)
    _require(invoice, invoice.mark_paid, actor, _("Mark as paid"))
    invoice.mark_paid(by=actor)
    invoice.save(update_fields=["state", "paid_at"])
    return invoice
