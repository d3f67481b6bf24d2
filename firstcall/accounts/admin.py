from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from firstcall.accounts.models import ApiKey, AuditEvent, Organisation, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "nmls_id", "is_active"]
    list_filter = ["role", "organisation"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("FirstCall", {"fields": ["organisation", "role", "teams", "managed_teams", "nmls_id", "licensed_states",
                                  "loan_types", "languages", "phone", "photo_url", "time_zone", "working_hours",
                                  "is_out_of_office", "daily_lead_cap", "open_lead_capacity", "routing_weight",
                                  "accepts_leads"]}),  # fmt: skip
    )


admin.site.register(Organisation)
admin.site.register(Team)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "scopes", "lead_source", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "actor", "action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
