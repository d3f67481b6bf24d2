from django import forms
from django.contrib import admin

from firstcall.eligibility.models import Assessment, LenderOverlay
from firstcall.eligibility.services import save_overlay


class LenderOverlayForm(forms.ModelForm):
    class Meta:
        model = LenderOverlay
        fields = ["organisation", "name", "version", "source", "effective_from", "effective_to", "programs",
                  "is_active"]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        from firstcall.eligibility.engine.overlays import validate_overlay

        draft = LenderOverlay(**{key: cleaned.get(key) for key in self.Meta.fields if key != "organisation"})
        problems = validate_overlay(draft.as_engine_dict())
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


@admin.register(LenderOverlay)
class LenderOverlayAdmin(admin.ModelAdmin):
    form = LenderOverlayForm
    list_display = [
        "name",
        "version",
        "organisation",
        "is_active",
        "effective_from",
        "effective_to",
        "updated_at",
    ]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        save_overlay(obj, actor=request.user)  # audited


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["id", "organisation", "lead", "rule_set_version", "best_status", "created_at"]
    raw_id_fields = ["lead"]
