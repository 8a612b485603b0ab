"""REST API: raw XML/PDF intake (idempotent by content hash), reading, workflow steps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from invoicing import selectors
from invoicing.api.serializers import InvoiceBulkIn, InvoiceBulkOut, InvoiceOut
from invoicing.errors import (
    ErrorCode,
    InvoiceForbiddenError,
    InvoiceTooLargeError,
    UnsupportedFormatError,
)
from invoicing.models import Invoice
from invoicing.services import workflow
from invoicing.services.intake import Received, Refused, invoice_receive, invoice_receive_many
from invoicing.services.matching import invoice_match
from invoicing.services.storage import CHUNK
from invoicing.views.access import inbox_for_post, invoice_for
from procurement.core.errors import ValidationFailedError
from procurement.core.uploads import (
    FORM_SLACK,
    PerFileLimitHandler,
    RefusedFile,
    declared_length,
)


def _body(request: Request):
    """The raw request body in chunks; the upload is never held in memory as a whole."""
    raw = request._request
    while chunk := raw.read(CHUNK):
        yield chunk


class InvoiceListCreateApi(APIView):
    def get(self, request: Request) -> Response:
        qs = selectors.invoices_visible_to(user=request.user).select_related(
            "buyer", "duplicate_of", "validation_report"
        )
        if state := request.query_params.get("state"):
            qs = qs.filter(state=state)
        limit = min(int(request.query_params.get("limit", 50)), 500)
        offset = int(request.query_params.get("offset", 0))
        page = list(qs.order_by("-received_at", "-pk")[offset : offset + limit])
        return Response({"results": InvoiceOut(page, many=True).data})

    def post(self, request: Request) -> Response:
        """Raw XML or PDF as the body (any Content-Type; it is sniffed). ``?buyer=<uuid>``
        chooses the inbox when the caller may post to several. 201 new, 200 same bytes again."""
        buyer, supplier = inbox_for_post(user=request.user, buyer=request.query_params.get("buyer"))
        limit = settings.ZUSCHLAG_MAX_INVOICE_BYTES
        if (declared_length(request._request) or 0) > limit:
            # Refused before a byte is read; a body without a declared length is cut off at
            # the limit while it is spooled.
            raise InvoiceTooLargeError(
                _("The file is larger than the limit of %(limit)s bytes.") % {"limit": limit},
                field="file",
            )
        received = invoice_receive(
            buyer=buyer,
            source=_body(request),
            channel=Invoice.Channel.API,
            actor=request.user,
            filename=request.headers.get("X-Filename", "")[:200],
            supplier=supplier,
        )
        status = 201 if received.created else 200
        return Response(InvoiceOut(received.invoice).data, status=status)


class InvoiceBulkCreateApi(APIView):
    """POST /api/invoices/bulk/: several invoices in one multipart request."""

    parser_classes = [MultiPartParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: a session's CSRF check may read the form, i.e. parse the body,
        # and the per-file limit must be in place before anything parses it.
        limit = settings.ZUSCHLAG_MAX_INVOICE_BYTES
        most = settings.ZUSCHLAG_MAX_UPLOAD_FILES
        if (declared_length(request._request) or 0) > most * limit + FORM_SLACK:
            raise InvoiceTooLargeError(
                _(
                    "The upload is too large: at most %(files)d files of %(limit).1f MB each "
                    "per request."
                )
                % {"files": most, "limit": limit / (1024 * 1024)},
            )
        request._request.upload_handlers.insert(
            0, PerFileLimitHandler(request._request, limit=limit, max_files=most)
        )
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="invoices_bulk_create",
        request={"multipart/form-data": InvoiceBulkIn},
        responses={
            207: InvoiceBulkOut,
            400: OpenApiResponse(description="No files part (no_files); nothing stored."),
            403: OpenApiResponse(description="The caller may not post to this inbox."),
            413: OpenApiResponse(
                description="Too many files (too_many_files) or a declared length over what "
                "they may total; nothing stored."
            ),
            415: OpenApiResponse(description="Not multipart/form-data."),
        },
        parameters=[
            OpenApiParameter(
                "buyer", str, description="The buyer's organisation id, for several inboxes."
            )
        ],
        description=(
            "Several invoices in one request, each handled as a single POST to /api/invoices/ "
            "(same inbox checks, size limit per file, idempotency by SHA-256, duplicate "
            "detection); at most ZUSCHLAG_MAX_UPLOAD_FILES files. 207 with one result per "
            "file in order; a refused file stores nothing and loses none of the others. "
            "403 no inbox, 413 too many files or too large as a whole, 400 no files, 415 not "
            "multipart: nothing is stored then."
        ),
    )
    def post(self, request: Request) -> Response:
        """One ``files`` part per invoice (raw XML or PDF; sniffed). ``?buyer=<uuid>`` as for a
        single POST. 207 with one result per file, in order: 201 new, 200 same bytes again,
        or the error a single POST would have answered; a refused file stores nothing."""
        buyer, supplier = inbox_for_post(user=request.user, buyer=request.query_params.get("buyer"))
        try:
            files = request.FILES.getlist("files")
        except TooManyFilesSent:
            # Django's own cap (DATA_UPLOAD_MAX_NUMBER_FILES) stops the parser: answer as below.
            files = None
        if files is None or len(files) > settings.ZUSCHLAG_MAX_UPLOAD_FILES:
            raise InvoiceTooLargeError(
                _("At most %(files)d files per upload.")
                % {"files": settings.ZUSCHLAG_MAX_UPLOAD_FILES},
                code=ErrorCode.TOO_MANY_FILES,
                field="files",
            )
        if not files:
            raise UnsupportedFormatError(
                _('No files: send each invoice as a multipart part named "files".'),
                code=ErrorCode.NO_FILES,
                field="files",
            )
        answers = invoice_receive_many(
            buyer=buyer,
            files=[(upload.name, _refusal(upload) or upload) for upload in files],
            channel=Invoice.Channel.API,
            actor=request.user,
            supplier=supplier,
        )
        results = [
            _result(upload.name, answer) for upload, answer in zip(files, answers, strict=True)
        ]
        return Response({"results": results}, status=207)


def _refusal(upload: Any) -> InvoiceTooLargeError | None:
    if not isinstance(upload, RefusedFile):
        return None
    limit = settings.ZUSCHLAG_MAX_INVOICE_BYTES
    return InvoiceTooLargeError(
        _("The file is larger than the limit of %(bytes)d bytes (%(mb).1f MB); nothing was stored.")
        % {"bytes": limit, "mb": limit / (1024 * 1024)},
        field="file",
    )


def _result(name: str, answer: Received | Refused) -> dict[str, Any]:
    if isinstance(answer, Refused):
        return {"file": name, "status": answer.error.status_code, **answer.error.as_dict()}
    invoice = answer.invoice
    return {
        "file": name,
        "status": 201 if answer.created else 200,
        "id": str(invoice.public_id),
        "url": reverse("api-invoice", kwargs={"public_id": invoice.public_id}),
        "state": invoice.state,
        "number": invoice.number,
        "duplicate_of": _duplicate_of(invoice),
        "document_sha256": invoice.sha256,
    }


def _duplicate_of(invoice: Invoice) -> str | None:
    if invoice.duplicate_of_id is None:
        return None
    return str(invoice.duplicate_of.public_id)


class InvoiceDetailApi(APIView):
    def get(self, request: Request, public_id: str) -> Response:
        invoice = invoice_for(user=request.user, public_id=public_id)
        data = InvoiceOut(invoice).data
        report = getattr(invoice, "validation_report", None)
        data["report"] = report.report_json if report is not None else None
        return Response(data)


class InvoiceReportApi(APIView):
    def get(self, request: Request, public_id: str, fmt: str) -> HttpResponse:
        invoice = invoice_for(user=request.user, public_id=public_id)
        report = getattr(invoice, "validation_report", None)
        if report is None:
            raise ValidationFailedError(_("This invoice has no validation report yet."))
        if fmt == "xml":
            return HttpResponse(report.report_xml, content_type="application/xml")
        if fmt == "html":
            return HttpResponse(report.report_html, content_type="text/html")
        return Response(report.report_json)


class InvoiceActionApi(APIView):
    """POST /api/invoices/<id>/<action>/ with optional {"reason": "..."}."""

    def post(self, request: Request, public_id: str, action: str) -> Response:
        invoice = invoice_for(user=request.user, public_id=public_id, staff_only=True)
        reason = str(request.data.get("reason", "")) if hasattr(request, "data") else ""
        actor = request.user
        if action == "approve":
            invoice = workflow.invoice_approve(invoice_id=invoice.pk, actor=actor)
        elif action == "reject":
            invoice = workflow.invoice_reject(invoice_id=invoice.pk, actor=actor, reason=reason)
        elif action == "dispute":
            invoice = workflow.invoice_dispute(invoice_id=invoice.pk, actor=actor, reason=reason)
        elif action == "match":
            invoice = invoice_match(invoice_id=invoice.pk, actor=actor)
        elif action == "mark-paid":
            invoice = workflow.invoice_mark_paid(invoice_id=invoice.pk, actor=actor)
        else:
            raise InvoiceForbiddenError(_("Unknown action %(action)s.") % {"action": repr(action)})
        return Response(InvoiceOut(invoice).data)
