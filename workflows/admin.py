from django.contrib import admin

from workflows.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, and the admin is no exception."""

    list_display = ["sequence", "time", "actor_label", "action", "object_repr", "from_state"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_label", "action", "hash"]
    ordering = ["-sequence"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
