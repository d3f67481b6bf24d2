from django.conf import settings
from django.db import models
from django.utils import timezone


class LenderOverlay(models.Model):
    """A lender's own credit policy on top of agency rules, as data (see rules/overlays.example.json)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="overlays"
    )
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=20, default="1")
    source = models.CharField(max_length=300, help_text="Where this policy is written down")
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)
    # {"fha": {"min_credit_score": 620}, "jumbo": {"min_credit_score": 720, "min_reserves_months": 12}}
    programs = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def as_engine_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "programs": self.programs,
        }


class Assessment(models.Model):
    """A saved assessment of a lead's scenario, with the rule set and overlays it was run against."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="assessments"
    )
    scenario = models.JSONField()
    result = models.JSONField()
    rule_set_version = models.CharField(max_length=60)
    overlay_versions = models.JSONField(default=list, blank=True)
    best_status = models.CharField(max_length=12, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Assessment {self.pk} ({self.rule_set_version})"
