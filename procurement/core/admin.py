from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from procurement.core.models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class ZuschlagUserAdmin(UserAdmin):
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "vat_id", "leitweg_id", "siret"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "vat_id", "leitweg_id", "siret"]
    inlines = [MembershipInline]
