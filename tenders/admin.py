"""Read-mostly admin: the lifecycle moves only through the services, never through this form."""

from django.contrib import admin

from tenders.models import (
    AwardCriterion,
    DocumentVersion,
    InterestRegistration,
    Lot,
    Notification,
    Question,
    ReviewBody,
    Tender,
    TenderDocument,
    TenderPublication,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LotInline(ReadOnlyInline):
    model = Lot
    fields = ["number", "title", "cpv_main", "estimated_value"]


class CriterionInline(ReadOnlyInline):
    model = AwardCriterion
    fields = ["lot", "kind", "name", "weight"]


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "authority", "state", "regime", "submission_deadline"]
    list_filter = ["state", "regime", "contract_type", "procedure"]
    search_fields = ["reference", "title", "authority__name"]
    inlines = [LotInline, CriterionInline]
    # The state (a protected FSM field) and everything the four-eyes, time-limit and
    # publication rules depend on are shown, not edited: changes go through the services.
    readonly_fields = [f.name for f in Tender._meta.concrete_fields] + ["committee"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewBody)
class ReviewBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "country", "identifier"]
    search_fields = ["name", "city"]


class VersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ["number", "original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields


@admin.register(TenderDocument)
class TenderDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "tender", "created_at"]
    inlines = [VersionInline]
    readonly_fields = ["tender", "lot", "title", "public_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["tender", "asked_at", "answered_at"]
    readonly_fields = [f.name for f in Question._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TenderPublication)
class TenderPublicationAdmin(admin.ModelAdmin):
    list_display = ["tender", "kind", "sequence", "identifier", "created_at"]
    readonly_fields = [f.name for f in TenderPublication._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(InterestRegistration)
admin.site.register(Notification)
