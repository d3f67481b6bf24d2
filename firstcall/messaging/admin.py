from django.contrib import admin

from firstcall.messaging.models import Message, SendDecision, Suppression


class SendDecisionInline(admin.TabularInline):
    model = SendDecision
    extra = 0
    can_delete = False
    readonly_fields = ["outcome", "reasons", "zones", "held_until", "decided_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "organisation",
        "channel",
        "direction",
        "purpose",
        "status",
        "held_until",
        "attempts",
    ]
    list_filter = ["channel", "direction", "status", "purpose", "needs_review"]
    search_fields = ["idempotency_key", "provider_message_id"]
    raw_id_fields = ["lead", "recipient_user", "sent_by"]
    inlines = [SendDecisionInline]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "channel", "address", "reason", "created_at", "lifted_at"]
    list_filter = ["channel", "reason"]
    search_fields = ["address"]
    raw_id_fields = ["source_message", "created_by"]
