from django.contrib import admin

from firstcall.events.models import Delivery, Event


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "subscriber",
        "status",
        "attempts",
        "result",
        "last_error",
        "next_attempt_at",
        "finished_at",
    ]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "organisation_id", "occurred_at", "dispatched_at"]
    list_filter = ["name"]
    readonly_fields = ["name", "organisation_id", "payload", "occurred_at", "dispatched_at"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
