"""Accounts payable: inbox, upload, invoice page, bulk actions, payment runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from invoicing import engine, selectors
from invoicing.errors import InvoiceForbiddenError
from invoicing.findings import normalise
from invoicing.forms import BulkForm, InboxFilterForm, OverrideForm, ReasonForm
from invoicing.models import BulkJob, Invoice, PaymentRun
from invoicing.services import matching, workflow
from invoicing.services.bulk import bulk_job_create
from invoicing.services.intake import invoice_receive
from invoicing.services.payment import payment_run_create
from invoicing.services.storage import document_read
from invoicing.views.access import invoice_for, is_ap_staff
from procurement.core.errors import DomainError
from procurement.core.models import Organisation
from procurement.core.money import format_amount
from procurement.core.roles import Role, has_role
from procurement.core.uploads import (
    FORM_SLACK,
    ContentLengthError,
    PerFileLimitHandler,
    RefusedFile,
    declared_length,
)

PAGE_SIZES = (25, 50, 100, 200)


def _ap_orgs(request: HttpRequest) -> list[int]:
    orgs = selectors.ap_organisations(user=request.user)
    if not orgs:
        raise InvoiceForbiddenError(_("The AP inbox is for accounts-payable clerks and approvers."))
    return orgs


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    orgs = _ap_orgs(request)
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    given = {key: value for key, value in filters.items() if value not in (None, "")}
    qs = selectors.invoice_inbox(user=request.user, **given)
    try:
        size = int(request.GET.get("size", 50))
    except ValueError:
        size = 50
    size = size if size in PAGE_SIZES else 50
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    counts = dict(
        Invoice.objects.filter(buyer_id__in=orgs).values_list("state").annotate(n=Count("pk"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "invoicing/inbox.html",
        {
            "form": form,
            "page": page,
            "bulk_form": BulkForm(),
            "state_counts": [(v, label, counts.get(v, 0)) for v, label in Invoice.State.choices],
            "query": query.urlencode(),
            "page_sizes": PAGE_SIZES,
            "size": size,
            "organisations": Organisation.objects.filter(pk__in=orgs),
            "ui_texts": _inbox_texts(),
        },
    )


def _inbox_texts() -> dict[str, str]:
    """What the page's script writes, in the reader's language (%(name)s placeholders)."""
    return {
        "created": _("received"),
        "duplicate": _("duplicate: not processed again"),
        "known": _("already received"),
        "progress": _("%(done)s of %(total)s done"),
        "failed": _("%(failed)s failed"),
        "payment_run": _("Open the payment run"),
        "network": _("The server could not be reached; nothing was changed by this page."),
    }


def _upload_refused(request: HttpRequest, message: str, *, status: int = 413) -> HttpResponse:
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"detail": message, "results": []}, status=status)
    messages.error(request, message)
    return redirect("ap-inbox")


@csrf_exempt
@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Several files at once (drag and drop); each answered separately as JSON or a message.

    A request whose declared length cannot fit ``ZUSCHLAG_MAX_UPLOAD_FILES`` invoices of the
    size limit is refused before a byte of it is read (413).
    """
    limit = settings.ZUSCHLAG_MAX_INVOICE_BYTES
    try:
        length = declared_length(request) or 0
    except ContentLengthError as error:
        return _upload_refused(request, error.message, status=error.status_code)
    if length > settings.ZUSCHLAG_MAX_UPLOAD_FILES * limit + FORM_SLACK:
        return _upload_refused(
            request,
            _(
                "The upload is too large: at most %(files)d files of %(limit).1f MB each "
                "per request."
            )
            % {"files": settings.ZUSCHLAG_MAX_UPLOAD_FILES, "limit": limit / (1024 * 1024)},
        )
    # The handler must be in place before the body is parsed, which the CSRF check would do:
    # CSRF is checked right after, inside.
    request.upload_handlers.insert(
        0,
        PerFileLimitHandler(request, limit=settings.ZUSCHLAG_MAX_INVOICE_BYTES),
    )
    try:
        return _upload(request)
    except TooManyFilesSent:
        # Django's own cap (DATA_UPLOAD_MAX_NUMBER_FILES) stops the parser before our count
        # does; the clerk gets the same message, not a bare "Bad Request". Nothing was stored.
        return _too_many_files(request)


def _too_many_files(request: HttpRequest) -> HttpResponse:
    return _upload_refused(
        request,
        _("At most %(files)d files per upload.") % {"files": settings.ZUSCHLAG_MAX_UPLOAD_FILES},
    )


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisations_with_role(request.user, [Role.AP_CLERK])
    buyer_id = request.POST.get("buyer")
    if buyer_id:
        orgs = [o for o in orgs if str(o) == buyer_id]
    if not orgs:
        raise InvoiceForbiddenError(_("Only AP clerks of the buyer can upload invoices."))
    buyer = Organisation.objects.get(pk=orgs[0])
    results = []
    limit = settings.ZUSCHLAG_MAX_INVOICE_BYTES
    files = request.FILES.getlist("files")
    if len(files) > settings.ZUSCHLAG_MAX_UPLOAD_FILES:
        return _too_many_files(request)
    for upload_file in files:
        if isinstance(upload_file, RefusedFile):
            results.append(
                {
                    "file": upload_file.name,
                    "ok": False,
                    "error": _(
                        "The file is larger than the limit of %(bytes)d bytes (%(mb).1f MB); "
                        "nothing was stored."
                    )
                    % {"bytes": limit, "mb": limit / (1024 * 1024)},
                }
            )
            continue
        try:
            received = invoice_receive(
                buyer=buyer,
                source=upload_file,
                channel="upload",
                actor=request.user,
                filename=upload_file.name,
            )
        except DomainError as exc:
            results.append({"file": upload_file.name, "ok": False, "error": exc.message})
            continue
        invoice = received.invoice
        results.append(
            {
                "file": upload_file.name,
                "ok": True,
                "created": received.created,
                "duplicate": invoice.is_duplicate,
                "id": str(invoice.public_id),
                "number": invoice.number,
                "state": invoice.state,
                "url": f"/ap/invoices/{invoice.public_id}/",
            }
        )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"results": results})
    for result in results:
        if result["ok"]:
            messages.success(request, _("%(file)s received.") % result)
        else:
            messages.error(request, f"{result['file']}: {result['error']}")
    return redirect("ap-inbox")


def _field_rows(invoice: Invoice) -> list[tuple[str, str, object]]:
    return [
        ("BT-1", _("Invoice number"), invoice.number),
        ("BT-2", _("Issue date"), invoice.issue_date),
        ("BT-9", _("Due date"), invoice.due_date),
        ("BT-5", _("Currency"), invoice.currency),
        ("BT-27", _("Seller"), invoice.seller_name),
        ("BT-31", _("Seller VAT id"), invoice.seller_vat_id),
        ("BT-30", _("Seller registration (SIRET …)"), invoice.seller_legal_id),
        ("BT-44", _("Buyer"), invoice.buyer_name),
        ("BT-10", _("Buyer reference (Leitweg-ID / service code)"), invoice.buyer_reference),
        ("BT-12", _("Contract reference"), invoice.contract_reference),
        ("BT-13", _("Order reference / engagement"), invoice.order_reference),
        ("BT-25", _("Preceding invoice"), invoice.preceding_number),
        ("BT-109", _("Total without VAT"), format_amount(invoice.net_amount, invoice.currency)),
        ("BT-110", _("VAT"), format_amount(invoice.tax_amount, invoice.currency)),
        ("BT-112", _("Total with VAT"), format_amount(invoice.gross_amount, invoice.currency)),
        ("BT-115", _("Amount due"), format_amount(invoice.payable_amount, invoice.currency)),
        ("BT-84", _("Payee IBAN"), invoice.seller_iban),
    ]


def _match_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract checks as the reader reads them: the stored rows were written in the
    language of whoever ran the match (a worker), so labels and amounts are written again."""
    shown = []
    for stored in rows:
        row = dict(stored)
        label = matching.CHECK_LABELS.get(row.get("field", ""))
        if label is not None:
            row["label"] = str(label)
        if "limit" in row:
            row["expected"] = "≤ " + format_amount(row["limit"], row.get("limit_currency", ""))
            row["actual"] = format_amount(row.get("amount"), row.get("amount_currency", ""))
        shown.append(row)
    return shown


@login_required
def invoice_page(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = invoice_for(user=request.user, public_id=public_id)
    staff = is_ap_staff(request.user, invoice.buyer_id)
    if not staff:
        return redirect("supplier-invoice", public_id=public_id)
    report = getattr(invoice, "validation_report", None)
    findings = [normalise(f) for f in (report.findings if report else [])]
    fields = _field_rows(invoice)
    known = {row[0] for row in fields}
    for finding in findings:
        finding["anchors"] = [t for t in finding["terms"] if t in known]
    try:
        rendering = engine.render_html(
            document_read(invoice.document), language=request.LANGUAGE_CODE or "de"
        )
    except Exception as exc:
        rendering = ""
        render_error = str(exc)
    else:
        render_error = ""
    contracts = []
    if staff and invoice.state in (Invoice.State.VALID, Invoice.State.DISPUTED):
        try:
            contracts = list(selectors.contracts_for_buyer(buyer_id=invoice.buyer_id)[:200])
        except selectors.ContractModelMissingError as exc:
            render_error = render_error or exc.message
    return render(
        request,
        "invoicing/invoice.html",
        {
            "invoice": invoice,
            "report": report,
            "findings": findings,
            "fields": fields,
            "match_rows": _match_rows(invoice.match_result or []),
            "rendering": rendering,
            "render_error": render_error,
            "is_clerk": has_role(request.user, invoice.buyer_id, [Role.AP_CLERK]),
            "is_approver": has_role(request.user, invoice.buyer_id, [Role.AP_APPROVER]),
            "reason_form": ReasonForm(),
            "override_form": OverrideForm(),
            "contracts": contracts,
            "open_mismatches": [
                r for r in invoice.match_result if not r.get("ok") and "overridden" not in r
            ],
            "credit_notes": list(invoice.credit_notes.all()),
            "resubmissions": list(invoice.resubmissions.all()),
        },
    )


@login_required
@require_POST
def invoice_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    invoice = invoice_for(user=request.user, public_id=public_id, staff_only=True)
    reason = request.POST.get("reason", "")
    actor = request.user
    if action == "approve":
        invoice = workflow.invoice_approve(invoice_id=invoice.pk, actor=actor)
    elif action == "reject":
        workflow.invoice_reject(invoice_id=invoice.pk, actor=actor, reason=reason)
    elif action == "dispute":
        workflow.invoice_dispute(invoice_id=invoice.pk, actor=actor, reason=reason)
    elif action == "match":
        matching.invoice_match(invoice_id=invoice.pk, actor=actor)
    elif action == "assign":
        matching.invoice_assign_contract(
            invoice_id=invoice.pk, actor=actor, contract_id=int(request.POST["contract"])
        )
    elif action == "override":
        matching.invoice_override_mismatch(
            invoice_id=invoice.pk, actor=actor, reason=reason, field=request.POST.get("field", "")
        )
    elif action == "release":
        payment_run_create(buyer=invoice.buyer, invoice_ids=[invoice.pk], actor=actor)
    elif action == "mark-paid":
        workflow.invoice_mark_paid(invoice_id=invoice.pk, actor=actor)
    else:
        raise Http404("Unknown action")
    messages.success(request, _("Done."))
    return redirect("ap-invoice", public_id=public_id)


@login_required
def invoice_document(request: HttpRequest, public_id: str) -> HttpResponse:
    """The original bytes, exactly as received (checked against their SHA-256)."""
    invoice = invoice_for(user=request.user, public_id=public_id)
    data = document_read(invoice.document)
    ext = "pdf" if invoice.document.content_type == engine.PDF else "xml"
    response = HttpResponse(data, content_type=invoice.document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{invoice.number or "invoice"}.{ext}"'
    response["X-Content-SHA256"] = invoice.document.sha256
    return response


@login_required
def invoice_report(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    invoice = invoice_for(user=request.user, public_id=public_id)
    report = getattr(invoice, "validation_report", None)
    if report is None:
        raise Http404("No report yet")
    if fmt == "xml":
        return HttpResponse(report.report_xml, content_type="application/xml")
    if fmt == "json":
        return JsonResponse(report.report_json)
    response = HttpResponse(report.report_html, content_type="text/html")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    orgs = _ap_orgs(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": form.errors}, status=400)
    ids = [int(x) for x in form.cleaned_data["invoices"].split(",") if x.strip().isdigit()]
    ids += [int(x) for x in request.POST.getlist("invoice") if x.isdigit()]
    buyer_ids = set(
        Invoice.objects.filter(pk__in=ids, buyer_id__in=orgs).values_list("buyer_id", flat=True)
    )
    if len(buyer_ids) != 1:
        return JsonResponse({"error": _("Choose invoices of one inbox.")}, status=400)
    buyer = Organisation.objects.get(pk=buyer_ids.pop())
    action = form.cleaned_data["action"]
    if action == "release":
        run = payment_run_create(buyer=buyer, invoice_ids=ids, actor=request.user)
        return JsonResponse(
            {
                "payment_run": str(run.public_id),
                "done": len(ids),
                "total": len(ids),
                "failed": 0,
                "percent": 100,
                "finished": True,
                "states": _states_of(ids),
                "url": f"/ap/payment-runs/{run.public_id}/",
            }
        )
    job = bulk_job_create(buyer=buyer, action=action, invoice_ids=ids, actor=request.user)
    return JsonResponse(
        {"job": str(job.public_id), "progress": f"/ap/jobs/{job.public_id}/"}, status=202
    )


@login_required
def bulk_progress(request: HttpRequest, public_id: str) -> JsonResponse:
    job = BulkJob.objects.filter(public_id=public_id, buyer_id__in=_ap_orgs(request)).first()
    if job is None:
        raise Http404("No such job")
    finished = job.finished_at is not None
    return JsonResponse(
        {
            "total": job.total,
            "done": job.done,
            "failed": job.failed,
            "percent": job.percent,
            "finished": finished,
            "errors": job.errors,
            "states": _states_of(job.invoice_ids) if finished else {},
        }
    )


def _states_of(invoice_ids: list[int]) -> dict[str, dict[str, str]]:
    """What the inbox rows of a finished job show: each invoice's state and its label."""
    return {
        str(invoice.pk): {"state": invoice.state, "label": str(invoice.get_state_display())}
        for invoice in Invoice.objects.filter(pk__in=invoice_ids).only("pk", "state")
    }


@login_required
def payment_runs(request: HttpRequest) -> HttpResponse:
    runs = PaymentRun.objects.filter(buyer_id__in=_ap_orgs(request)).select_related("created_by")[
        :200
    ]
    return render(request, "invoicing/payment_runs.html", {"runs": runs})


@login_required
def payment_run_file(request: HttpRequest, public_id: str, kind: str) -> HttpResponse:
    run = PaymentRun.objects.filter(public_id=public_id, buyer_id__in=_ap_orgs(request)).first()
    if run is None or kind not in ("pain001", "csv"):
        raise Http404("No such file")
    document = run.pain001 if kind == "pain001" else run.bookkeeping_csv
    response = HttpResponse(document_read(document), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.original_name}"'
    return response
