from django.conf import settings
from django.db import models
from django.utils import timezone


class Pipeline(models.Model):
    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        REFINANCE = "refinance", "Refinance"
        HELOC = "heloc", "HELOC"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="pipeline_kind_unique_in_org")]

    def __str__(self):
        return self.name


class Stage(models.Model):
    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Closed (won)"
        LOST = "lost", "Lost"

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "position"], name="stage_position_unique")]

    def __str__(self):
        return f"{self.pipeline.name}: {self.name}"

    @property
    def is_closed(self) -> bool:
        return self.outcome != self.Outcome.OPEN


class TimelineEvent(models.Model):
    """One meaningful change or contact on a lead: who, what, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", "Lead created"
        MERGED = "merged", "Inquiry merged"
        REOPENED = "reopened", "Lead reopened"
        FIELD_CHANGED = "field_changed", "Field changed"
        CONSENT_RECORDED = "consent_recorded", "Consent recorded"
        CONSENT_REVOKED = "consent_revoked", "Consent revoked"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        ASSIGNED = "assigned", "Assigned"
        SCORED = "scored", "Scored"
        MESSAGE = "message", "Message"
        NOTE = "note", "Note"
        CALL = "call", "Call"
        SLA = "sla", "SLA"
        CADENCE = "cadence", "Cadence"

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="timeline_lead_recent")]

    def __str__(self):
        return self.summary
