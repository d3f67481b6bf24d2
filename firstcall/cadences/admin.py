from django.contrib import admin

from firstcall.cadences.models import (
    Cadence,
    CadenceSettings,
    CadenceStep,
    CadenceVersion,
    CallTask,
    Enrolment,
    MessageTemplate,
    StepRun,
)


class CadenceStepInline(admin.TabularInline):
    model = CadenceStep
    extra = 0
    fields = ("position", "kind", "template", "body", "wait_amount", "wait_unit", "at_local_time")
    readonly_fields = fields
    can_delete = False


@admin.register(Cadence)
class CadenceAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "trigger", "is_active", "is_builtin", "priority")
    list_filter = ("is_active", "is_builtin", "trigger")
    search_fields = ("name",)


@admin.register(CadenceVersion)
class CadenceVersionAdmin(admin.ModelAdmin):
    list_display = ("cadence", "number", "published_at")
    inlines = [CadenceStepInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("lead", "cadence", "status", "stop_reason", "next_step_at", "enrolled_at")
    list_filter = ("status", "stop_reason")
    raw_id_fields = ("lead", "cadence", "cadence_version", "current_step")


@admin.register(StepRun)
class StepRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "enrolment", "step", "due_at", "status", "attempts", "last_error")
    list_filter = ("status",)
    raw_id_fields = ("enrolment", "step", "message")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "language", "organisation", "is_builtin")
    list_filter = ("channel", "language", "is_builtin")


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "due_at", "status", "outcome")
    list_filter = ("status", "outcome")
    raw_id_fields = ("lead", "step_run")


admin.site.register(CadenceSettings)
