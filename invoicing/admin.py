"""Read-only admin views: the archive and the workflow are changed only through services."""

from django.contrib import admin

from invoicing.models import (
    BulkJob,
    Invoice,
    MatchOverride,
    PaymentRun,
    RejectionNotice,
    StoredDocument,
    ValidationReport,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "kind",
        "state",
        "buyer",
        "seller_name",
        "payable_amount",
        "currency",
        "received_at",
    )
    list_filter = ("state", "kind", "channel")
    search_fields = ("number", "seller_name", "seller_vat_id", "seller_legal_id", "sha256")
    list_select_related = ("buyer",)


@admin.register(StoredDocument)
class StoredDocumentAdmin(ReadOnlyAdmin):
    list_display = ("purpose", "original_name", "sha256", "size", "content_type", "created_at")
    list_filter = ("purpose",)
    search_fields = ("sha256", "original_name")


for model in (ValidationReport, MatchOverride, RejectionNotice, PaymentRun, BulkJob):
    admin.site.register(model, ReadOnlyAdmin)
