"""Matching an invoice to its contract: BT-10, BT-12, BT-13, seller identity, currency, amount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import has_transition_perm

from invoicing.errors import InvoiceForbiddenError, InvoiceStateError, MatchingError
from invoicing.models import Invoice, MatchOverride
from invoicing.selectors import contract_get, contract_remaining, contracts_for_buyer
from procurement.core.roles import Role, has_role
from workflows.audit import record

CHECK_LABELS = {
    "contract": gettext_lazy("Contract found"),
    "contract_reference": gettext_lazy("Contract reference (BT-12)"),
    "buyer_reference": gettext_lazy("Buyer reference / Leitweg-ID / service code (BT-10)"),
    "order_reference": gettext_lazy("Order reference / engagement number (BT-13)"),
    "seller": gettext_lazy("Seller identity (BT-31 VAT id / BT-30 SIRET)"),
    "currency": gettext_lazy("Currency (BT-5)"),
    "amount": gettext_lazy("Net amount (BT-109) within the contract's remaining value"),
}


def _norm(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def contract_find(*, invoice: Invoice, lock: bool = False) -> Any:
    """The buyer's concluded contract the invoice names: by BT-12, then BT-13, then BT-10 plus
    seller identity when exactly one contract fits. ``lock`` locks the row found."""
    if invoice.kind == Invoice.Kind.CREDIT_NOTE and invoice.corrects_id:
        corrected = invoice.corrects
        if corrected.contract_id:
            return contract_get(contract_id=corrected.contract_id, lock=lock)
    contracts = contracts_for_buyer(buyer_id=invoice.buyer_id)
    if lock:
        contracts = contracts.select_for_update(of=("self",))
    if invoice.contract_reference:
        found = [c for c in contracts.filter(reference__iexact=invoice.contract_reference.strip())]
        if len(found) == 1:
            return found[0]
    if invoice.order_reference:
        found = list(contracts.filter(order_reference__iexact=invoice.order_reference.strip()))
        if len(found) == 1:
            return found[0]
    if invoice.buyer_reference:
        found = [
            c
            for c in contracts.filter(buyer_reference__iexact=invoice.buyer_reference.strip())
            if _seller_ok(invoice, c.supplier)
        ]
        if len(found) == 1:
            return found[0]
    return None


def _seller_ok(invoice: Invoice, supplier: Any) -> bool:
    ids = {_norm(supplier.vat_id), _norm(supplier.siret), _norm(supplier.siren)} - {""}
    given = {_norm(invoice.seller_vat_id), _norm(invoice.seller_legal_id)} - {""}
    return bool(ids & given)


def match_checks(*, invoice: Invoice, contract: Any) -> list[dict[str, Any]]:
    """Field-by-field comparison; each row: field, label, expected, actual, ok."""

    def row(field: str, expected: Any, actual: Any, ok: bool) -> dict[str, Any]:
        return {
            "field": field,
            "label": str(CHECK_LABELS[field]),
            "expected": "" if expected is None else str(expected),
            "actual": "" if actual is None else str(actual),
            "ok": bool(ok),
        }

    if contract is None:
        return [
            row(
                "contract",
                _("a concluded contract of this buyer"),
                invoice.contract_reference or invoice.order_reference or "—",
                False,
            )
        ]
    rows = [
        row(
            "contract_reference",
            contract.reference,
            invoice.contract_reference,
            _norm(contract.reference) == _norm(invoice.contract_reference),
        ),
        row(
            "buyer_reference",
            contract.buyer_reference,
            invoice.buyer_reference,
            _norm(contract.buyer_reference) == _norm(invoice.buyer_reference),
        ),
    ]
    if contract.order_reference:
        rows.append(
            row(
                "order_reference",
                contract.order_reference,
                invoice.order_reference,
                _norm(contract.order_reference) == _norm(invoice.order_reference),
            )
        )
    supplier = contract.supplier
    expected_seller = " / ".join(x for x in (supplier.vat_id, supplier.siret) if x)
    actual_seller = " / ".join(x for x in (invoice.seller_vat_id, invoice.seller_legal_id) if x)
    rows.append(row("seller", expected_seller, actual_seller, _seller_ok(invoice, supplier)))
    rows.append(
        row(
            "currency",
            contract.currency,
            invoice.currency,
            _norm(contract.currency) == _norm(invoice.currency),
        )
    )
    if invoice.kind == Invoice.Kind.INVOICE:
        remaining = contract_remaining(contract=contract, excluding=invoice.pk)
        net = invoice.net_amount if invoice.net_amount is not None else Decimal("0")
        amount = row(
            "amount",
            f"≤ {remaining} {contract.currency}",
            f"{net} {invoice.currency}",
            net <= remaining,
        )
        # The numbers themselves too: the page writes them as its reader's language does.
        amount.update(
            limit=str(remaining),
            limit_currency=contract.currency,
            amount=str(net),
            amount_currency=invoice.currency,
        )
        rows.append(amount)
    return rows


def _refresh(invoice: Invoice, *, fresh: bool = False) -> list[dict[str, Any]]:
    """Recompute the checks; ``fresh``: just validated, so no overrides can exist yet."""
    # Lock order: invoice row (caller), then contract row; remaining value is read after.
    contract = (
        contract_get(contract_id=invoice.contract_id, lock=True)
        if invoice.contract_id
        else contract_find(invoice=invoice, lock=True)
    )
    invoice.contract_id = contract.pk if contract is not None else None
    overridden = {} if fresh else {o.field: o.reason for o in invoice.overrides.all()}
    rows = match_checks(invoice=invoice, contract=contract)
    for r in rows:
        if not r["ok"] and r["field"] in overridden:
            r["overridden"] = overridden[r["field"]]
    invoice.match_result = rows
    return rows


def _open(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if not r["ok"] and "overridden" not in r]


def invoice_match_auto(*, invoice_id: int) -> Invoice:
    """System step after validation: find the contract; match when every field agrees."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
        return match_auto_locked(invoice=invoice, fresh=False)


def match_auto_locked(*, invoice: Invoice, fresh: bool) -> Invoice:
    """``invoice_match_auto`` for a caller that already holds the invoice's row lock."""
    if invoice.state != Invoice.State.VALID:
        return invoice
    rows = match_checks_locked(invoice=invoice, fresh=fresh)
    fields = ["contract_id", "match_result", *match_complete(invoice=invoice, rows=rows)]
    invoice.save(update_fields=fields)
    return invoice


def match_checks_locked(*, invoice: Invoice, fresh: bool) -> list[dict[str, Any]]:
    """Find and lock the contract, set ``contract_id`` and ``match_result`` (not saved).

    The caller holds the invoice's row lock; it may still be ``validating`` (the checks do not
    depend on the invoice's state), so validation can take the contract lock before its audit
    appends, in the same order as every other path: invoice, contract, audit chain.
    """
    return _refresh(invoice, fresh=fresh)


def match_complete(*, invoice: Invoice, rows: list[dict[str, Any]]) -> list[str]:
    """The ``match`` transition of a ``valid`` invoice when every check passed; the fields it
    changed (none when a check is still open)."""
    if invoice.contract_id and not _open(rows):
        invoice.match(by=None, contract_id=invoice.contract_id)
        return ["state", "matched_at"]
    return []


def invoice_assign_contract(*, invoice_id: int, contract_id: int, actor: Any) -> Invoice:
    """The clerk names the contract; the checks are recomputed against it."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        _clerk(invoice, actor)
        if invoice.state not in (Invoice.State.VALID, Invoice.State.DISPUTED):
            raise InvoiceStateError(_("Only valid or disputed invoices can be matched."))
        contract = contract_get(contract_id=contract_id)
        if contract is None or contract.authority_id != invoice.buyer_id:
            raise MatchingError(
                _("This contract does not belong to the invoice's buyer."), field="contract"
            )
        invoice.contract_id = contract.pk
        _refresh(invoice)
        invoice.save(update_fields=["contract_id", "match_result"])
        record(
            actor=actor,
            obj=invoice,
            action="invoicing.invoice.contract_assigned",
            payload={"contract_id": contract.pk},
        )
        return invoice


def invoice_override_mismatch(*, invoice_id: int, field: str, reason: str, actor: Any) -> Invoice:
    """Accept one mismatching field on purpose, with a reason; audited."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise MatchingError(
            _("Give a reason (at least a few words) for accepting this difference."),
            field="reason",
        )
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        _clerk(invoice, actor)
        if invoice.state not in (Invoice.State.VALID, Invoice.State.DISPUTED):
            raise InvoiceStateError(_("Only valid or disputed invoices can be matched."))
        rows = _refresh(invoice)
        failing = {r["field"] for r in rows if not r["ok"]}
        if field not in failing:
            raise MatchingError(
                _("%(field)s has no difference to accept.")
                % {"field": CHECK_LABELS.get(field, field)},
                field="field",
            )
        if field == "contract":
            raise MatchingError(
                _("Assign a contract first; a missing contract cannot be waived."), field="field"
            )
        MatchOverride.objects.update_or_create(
            invoice=invoice, field=field, defaults={"reason": reason, "by": actor}
        )
        _refresh(invoice)
        invoice.save(update_fields=["contract_id", "match_result"])
        record(
            actor=actor,
            obj=invoice,
            action="invoicing.invoice.mismatch_overridden",
            payload={"field": field, "reason": reason},
        )
        return invoice


def invoice_match(*, invoice_id: int, actor: Any) -> Invoice:
    """The clerk confirms the match once every mismatch is resolved or overridden."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        _clerk(invoice, actor)
        if invoice.state not in (Invoice.State.VALID, Invoice.State.DISPUTED):
            raise InvoiceStateError(
                _("The invoice is %(state)s; only valid or disputed invoices can be matched.")
                % {"state": invoice.get_state_display()}
            )
        rows = _refresh(invoice)
        open_rows = _open(rows)
        if invoice.contract_id is None or open_rows:
            names = ", ".join(r["label"] for r in open_rows) or str(CHECK_LABELS["contract"])
            raise MatchingError(_("Unresolved differences: %(names)s.") % {"names": names})
        overrides = sum(1 for r in rows if "overridden" in r)
        invoice.match(by=actor, contract_id=invoice.contract_id, overrides=overrides)
        invoice.save(update_fields=["state", "contract_id", "match_result", "matched_at"])
        return invoice


def _clerk(invoice: Invoice, actor: Any) -> None:
    if not has_role(actor, invoice.buyer_id, [Role.AP_CLERK]):
        raise InvoiceForbiddenError(_("Only an AP clerk of the buyer can match invoices."))


def can_match(invoice: Invoice, actor: Any) -> bool:
    return has_transition_perm(invoice.match, actor) and actor is not None
