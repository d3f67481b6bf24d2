from django.contrib import admin

from firstcall.pipeline.models import Pipeline, Stage, TimelineEvent


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
