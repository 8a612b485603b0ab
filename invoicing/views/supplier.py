"""Supplier side: my organisation's invoices, a new invoice from a contract, resubmission."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from invoicing import selectors
from invoicing.errors import InvoiceForbiddenError, InvoiceTooLargeError
from invoicing.forms import SupplierInvoiceForm, SupplierLineFormSet
from invoicing.models import Invoice
from invoicing.services.supplier import (
    LineInput,
    contract_lines,
    supplier_invoice_create,
    supplier_resubmit,
)
from invoicing.views.access import invoice_for
from procurement.core.errors import DomainError
from procurement.core.roles import BIDDER_ROLES, organisations_with_role
from procurement.core.uploads import FORM_SLACK, declared_length


def _supplier_orgs(request: HttpRequest) -> list[int]:
    orgs = organisations_with_role(request.user, BIDDER_ROLES)
    if not orgs:
        raise InvoiceForbiddenError(_("This page is for users of supplier organisations."))
    return orgs


@login_required
def supplier_home(request: HttpRequest) -> HttpResponse:
    orgs = _supplier_orgs(request)
    invoices = Invoice.objects.filter(supplier_id__in=orgs).select_related("buyer")[:200]
    try:
        contracts = list(selectors.contracts_for_supplier_user(user=request.user)[:100])
        contract_error = ""
    except selectors.ContractModelMissingError as exc:
        contracts, contract_error = [], exc.message
    return render(
        request,
        "invoicing/supplier_home.html",
        {
            "invoices": invoices,
            "contracts": contracts,
            "contract_error": contract_error,
        },
    )


@login_required
def supplier_invoice_new(request: HttpRequest, contract_id: int) -> HttpResponse:
    _supplier_orgs(request)
    contract = (
        selectors.contracts_for_supplier_user(user=request.user).filter(pk=contract_id).first()
    )
    if contract is None:
        raise InvoiceForbiddenError(_("Only users of the contract's supplier can invoice it."))
    initial_lines = [
        {
            "description": li.description,
            "quantity": li.quantity,
            "unit_code": li.unit_code,
            "unit_price": li.unit_price,
            "vat_category": li.vat_category,
            "vat_rate": li.vat_rate,
        }
        for li in contract_lines(contract=contract)
    ]
    if request.method == "POST":
        form = SupplierInvoiceForm(request.POST)
        lines = SupplierLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
            rows = [LineInput(**row) for row in lines.cleaned_data if row and row["quantity"]]
            try:
                received = supplier_invoice_create(
                    contract_id=contract.pk,
                    actor=request.user,
                    lines=rows,
                    number=form.cleaned_data["number"],
                    fmt=form.cleaned_data["fmt"],
                    issue_date=form.cleaned_data["issue_date"],
                    contact_phone=form.cleaned_data["contact_phone"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("Invoice submitted to %(buyer)s.") % {"buyer": contract.authority.name},
                )
                return redirect("supplier-invoice", public_id=received.invoice.public_id)
    else:
        form = SupplierInvoiceForm(
            initial={"issue_date": timezone.localdate(), "fmt": "xrechnung-ubl"}
        )
        lines = SupplierLineFormSet(initial=initial_lines, prefix="lines")
    return render(
        request,
        "invoicing/supplier_new.html",
        {
            "contract": contract,
            "form": form,
            "lines": lines,
        },
    )


@csrf_exempt
@login_required
def supplier_invoice(request: HttpRequest, public_id: str) -> HttpResponse:
    # A corrected invoice whose declared length cannot fit is refused before any of it is read
    # (the CSRF check would parse the whole body first): CSRF is checked right after, inside.
    if request.method == "POST":
        limit = settings.ZUSCHLAG_MAX_INVOICE_BYTES
        if (declared_length(request) or 0) > limit + FORM_SLACK:
            raise InvoiceTooLargeError(
                _("The file is larger than the limit of %(limit)s bytes.") % {"limit": limit},
                field="file",
            )
    return _supplier_invoice(request, public_id)


@csrf_protect
def _supplier_invoice(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = invoice_for(user=request.user, public_id=public_id)
    if invoice.supplier_id not in organisations_with_role(request.user, BIDDER_ROLES):
        return redirect("ap-invoice", public_id=public_id)
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        received = supplier_resubmit(
            invoice_id=invoice.pk, actor=request.user, source=upload, filename=upload.name
        )
        messages.success(request, _("Corrected invoice submitted."))
        return redirect("supplier-invoice", public_id=received.invoice.public_id)
    report = getattr(invoice, "validation_report", None)
    notice = getattr(invoice, "notice", None)
    return render(
        request,
        "invoicing/supplier_invoice.html",
        {
            "invoice": invoice,
            "report": report,
            "notice": notice,
        },
    )
