from django.contrib import admin

from firstcall.integrations.models import (
    Appointment,
    BookingProfile,
    LoanApplication,
    LosConnection,
    LosEvent,
    WebhookMessage,
    WebhookSubscription,
)


@admin.register(BookingProfile)
class BookingProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_enabled", "meeting_minutes", "buffer_before_minutes", "buffer_after_minutes",
                    "minimum_notice_minutes", "horizon_days"]  # fmt: skip


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["uid", "loan_officer", "lead", "starts_at", "status", "sequence"]
    readonly_fields = ["uid", "sequence"]


@admin.register(LosConnection)
class LosConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "fetch_url", "is_active"]
    exclude = ["token_hash", "fetch_authorization"]


@admin.register(LosEvent)
class LosEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "organisation", "shape", "milestone", "loan_number", "status", "lead"]
    list_filter = ["status", "shape"]
    exclude = ["payload"]
    readonly_fields = [field.name for field in LosEvent._meta.fields if field.name != "payload"]


@admin.register(LoanApplication)
class LoanApplicationAdmin(admin.ModelAdmin):
    list_display = ["lead", "loan_number", "imported_from", "los_milestone", "funded_amount", "funded_on"]
    exclude = ["data"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "is_active", "disabled_at"]
    exclude = ["secret"]


@admin.register(WebhookMessage)
class WebhookMessageAdmin(admin.ModelAdmin):
    list_display = ["message_id", "event_type", "subscription", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "event_type"]
