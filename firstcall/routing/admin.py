from django.contrib import admin

from firstcall.routing.models import LeadOffer, RoutingDecisionLog, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "position", "strategy", "is_active", "is_draft"]
    list_filter = ["strategy", "is_active", "is_draft"]
    filter_horizontal = ["candidates", "fallback_users"]


@admin.register(RoutingDecisionLog)
class RoutingDecisionLogAdmin(admin.ModelAdmin):
    list_display = ["decided_at", "lead", "rule_name", "strategy", "chosen_user"]
    raw_id_fields = ["lead"]


@admin.register(LeadOffer)
class LeadOfferAdmin(admin.ModelAdmin):
    list_display = ["lead", "user", "kind", "status", "expires_at"]
    raw_id_fields = ["lead"]
