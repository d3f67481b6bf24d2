from django.contrib import admin

from firstcall.leads.models import (
    Consent,
    Inquiry,
    IntakeRecord,
    Lead,
    LeadSource,
    Pipeline,
    Stage,
    TimelineEvent,
)


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "channel", "vendor", "cost_per_lead", "is_active"]
    list_filter = ["channel", "is_active"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["id", "first_name", "last_name", "organisation", "source", "stage", "owner", "created_at"]
    list_filter = ["loan_type", "purpose", "is_test"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    raw_id_fields = ["owner", "referral_partner", "processor", "previous_lead", "source"]
    exclude = ["annual_income", "monthly_debts"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ["id", "lead", "source", "received_at", "match_reason"]
    raw_id_fields = ["lead", "intake_record"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["id", "lead", "channel", "is_granted", "recorded_at", "how"]
    raw_id_fields = ["lead", "inquiry"]


@admin.register(IntakeRecord)
class IntakeRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "source", "status", "received_at", "lead"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["lead", "replay_of"]


class StageInline(admin.TabularInline):
    model = Stage


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind"]
    inlines = [StageInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "lead", "kind", "summary"]
    raw_id_fields = ["lead"]
