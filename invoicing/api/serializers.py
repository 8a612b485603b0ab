from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from invoicing.models import Invoice
from procurement.core.api import FieldsBuiltOnce


class InvoiceOut(FieldsBuiltOnce, serializers.ModelSerializer):
    # Every API intake answers with it: its fields are built once (FieldsBuiltOnce).
    id = serializers.UUIDField(source="public_id")
    buyer = serializers.CharField(source="buyer.name")
    duplicate_of = serializers.SerializerMethodField()
    document_sha256 = serializers.CharField(source="sha256")
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "state",
            "kind",
            "channel",
            "received_at",
            "buyer",
            "number",
            "issue_date",
            "due_date",
            "currency",
            "seller_name",
            "seller_vat_id",
            "seller_legal_id",
            "buyer_reference",
            "order_reference",
            "contract_reference",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "payable_amount",
            "document_sha256",
            "duplicate_of",
            "extraction_error",
            "match_result",
            "verdict",
        ]

    def get_duplicate_of(self, obj: Invoice) -> str | None:
        return str(obj.duplicate_of.public_id) if obj.duplicate_of_id else None

    def get_verdict(self, obj: Invoice) -> str | None:
        if not obj.pk or obj.state in (Invoice.State.RECEIVED, Invoice.State.VALIDATING):
            return None  # no report can exist yet: spare the query
        report = getattr(obj, "validation_report", None)
        return report.verdict if report is not None else None


@extend_schema_field(OpenApiTypes.BINARY)
class InvoiceFileField(serializers.FileField):
    """A file part as the schema should show it: bytes, not a URL."""


class InvoiceBulkIn(serializers.Serializer):
    """The multipart form of ``POST /api/invoices/bulk/`` (for the schema; parsed by the view)."""

    files = serializers.ListField(
        child=InvoiceFileField(),
        help_text="One part per invoice (raw XML or PDF; the bytes are sniffed).",
    )


class InvoiceBulkResultOut(serializers.Serializer):
    """One file's answer: what a single POST of it would have answered, in short."""

    file = serializers.CharField(help_text="The part's file name.")
    status = serializers.IntegerField(
        help_text="201 new invoice, 200 the same bytes were received before, or the error's "
        "status (400 not XML/PDF or empty, 413 over the size limit)."
    )
    id = serializers.UUIDField(required=False)
    url = serializers.CharField(required=False)
    state = serializers.CharField(required=False)
    number = serializers.CharField(required=False)
    duplicate_of = serializers.UUIDField(required=False, allow_null=True)
    document_sha256 = serializers.CharField(required=False)
    code = serializers.CharField(required=False, help_text="Error code of a refused file.")
    detail = serializers.CharField(
        required=False, help_text="Why the file was refused, in the caller's language."
    )
    field = serializers.CharField(required=False)


class InvoiceBulkOut(serializers.Serializer):
    results = InvoiceBulkResultOut(many=True)
