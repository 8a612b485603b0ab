"""Read-only admin views of the sealed-bid records: nothing here may be edited by hand (the log,
receipts and keys are evidence; changing them would break the hash chain and signatures)."""

from typing import Any

from django.contrib import admin

from bids.models import Bid, BidLogEntry, EncryptedShare, MemberKey, OpeningKey, OpeningSession


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ["tender", "lot_number", "bidder", "state", "received_at", "intact"]
    list_filter = ["state"]
    search_fields = ["tender__reference", "bidder__name", "public_id"]
    exclude = ["receipt", "withdrawal_receipt"]


@admin.register(BidLogEntry)
class BidLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["tender", "position", "event", "bidder", "recorded_at", "entry_hash"]
    search_fields = ["tender__reference"]


@admin.register(MemberKey)
class MemberKeyAdmin(ReadOnlyAdmin):
    list_display = ["user", "kid", "created_at"]


@admin.register(OpeningKey)
class OpeningKeyAdmin(ReadOnlyAdmin):
    list_display = ["tender", "kid", "threshold", "created_at"]
    exclude = ["wrapped_private_key"]


@admin.register(EncryptedShare)
class EncryptedShareAdmin(ReadOnlyAdmin):
    list_display = ["opening_key", "member", "index"]
    exclude = ["envelope"]


@admin.register(OpeningSession)
class OpeningSessionAdmin(ReadOnlyAdmin):
    list_display = ["tender", "state", "started_at", "finished_at", "log_head"]
    exclude = ["session_private_key", "checkpoint"]
