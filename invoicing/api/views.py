"""REST API: raw XML/PDF intake (idempotent by content hash), reading, workflow steps."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from invoicing import selectors
from invoicing.api.serializers import InvoiceOut
from invoicing.errors import InvoiceForbiddenError, InvoiceTooLargeError
from invoicing.models import Invoice
from invoicing.services import workflow
from invoicing.services.intake import invoice_receive
from invoicing.services.matching import invoice_match
from invoicing.services.storage import CHUNK
from invoicing.views.access import inbox_for_post, invoice_for
from procurement.core.errors import ValidationFailedError
from procurement.core.uploads import declared_length


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
