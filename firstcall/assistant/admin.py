from django.contrib import admin

from firstcall.assistant.models import (
    AssistantSettings,
    Draft,
    LabelledExample,
    ProviderExchange,
    ReplyReading,
)


@admin.register(ReplyReading)
class ReplyReadingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "organisation",
        "lead",
        "intent",
        "confidence",
        "language",
        "opt_out",
        "corrected_intent",
    ]
    list_filter = ["intent", "language", "needs_review"]
    readonly_fields = [field.name for field in ReplyReading._meta.fields]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["id", "organisation", "lead", "status", "origin", "created_at"]
    list_filter = ["status", "origin"]


@admin.register(ProviderExchange)
class ProviderExchangeAdmin(admin.ModelAdmin):
    list_display = ["id", "organisation", "status", "latency_ms", "created_at"]
    readonly_fields = [field.name for field in ProviderExchange._meta.fields]


admin.site.register(AssistantSettings)
admin.site.register(LabelledExample)
