from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from firstcall.accounts import services
from firstcall.accounts.models import ApiKey, AuditEvent, Organisation, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "nmls_id", "is_active"]
    list_filter = ["role", "organisation"]
    actions = ["reset_two_factor"]

    # Role, team, activation and permission changes go to the security audit log. Many-to-many fields are
    # saved after the user row, so the "before" is taken in save_model and compared in save_related.
    def save_model(self, request, obj, form, change):
        from firstcall.accounts.audit import access_snapshot

        request._access_before = access_snapshot(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from firstcall.accounts.audit import access_snapshot, record_access_changes
        from firstcall.accounts.client import client_ip

        user = form.instance
        before = getattr(request, "_access_before", None) or {}
        after = access_snapshot(user)
        ip_address = client_ip(request)
        created = not change
        record_access_changes(user, before, after, actor=request.user, ip_address=ip_address, created=created)

    @admin.action(description="Reset two-factor sign-in (lost phone)")
    def reset_two_factor(self, request, queryset):
        from firstcall.accounts.client import client_ip
        from firstcall.accounts.two_factor import disable_two_factor

        ip_address = client_ip(request)
        reset = sum(disable_two_factor(user, actor=request.user, ip_address=ip_address) for user in queryset)
        self.message_user(request, f"Two-factor reset for {reset} person(s); they set it up at next sign-in.")

    fieldsets = DjangoUserAdmin.fieldsets + (
        (
            "FirstCall",
            {
                "fields": [
                    "organisation",
                    "role",
                    "teams",
                    "managed_teams",
                    "nmls_id",
                    "licensed_states",
                    "loan_types",
                    "languages",
                    "phone",
                    "photo_url",
                    "time_zone",
                    "working_hours",
                    "is_out_of_office",
                    "daily_lead_cap",
                    "open_lead_capacity",
                    "routing_weight",
                    "accepts_leads",
                ]
            },
        ),  # fmt: skip
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        # A new organisation goes through the service, so it starts like any other (organisation.created).
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.add_organisation(obj)


admin.site.register(Team)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "scopes", "lead_source", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "actor", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
