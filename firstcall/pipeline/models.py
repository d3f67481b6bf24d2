from django.conf import settings
from django.db import models
from django.utils import timezone


class Pipeline(models.Model):
    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        REFINANCE = "refinance", "Refinance"
        HELOC = "heloc", "HELOC"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="pipelines"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="pipeline_kind_unique_in_org")
        ]

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
        TASK = "task", "Task"

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


class Note(models.Model):
    """A person's note on a lead. @username mentions of teammates who may see the lead notify them."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="lead_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_notes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="note_lead_recent")]

    def __str__(self):
        return f"Note {self.pk} on lead {self.lead_id}"


class Task(models.Model):
    """A to-do for a person, on a lead or on its own. Cadence call steps have their own cadences.CallTask."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        FOLLOW_UP = "follow_up", "Follow up"
        DOCUMENT = "document", "Collect a document"
        # A call or meeting booked with the borrower at a set time: My day lists today's on their own.
        APPOINTMENT = "appointment", "Appointment"
        OTHER = "other", "Other"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="tasks")
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FOLLOW_UP)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the assignee was reminded; the reminder sweep claims a task by setting it (sent once).
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["completed_at", "due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "completed_at", "due_at"], name="task_assignee_open"),
            models.Index(fields=["organisation", "completed_at", "due_at"], name="task_org_open"),
            models.Index(fields=["completed_at", "reminder_sent_at", "due_at"], name="task_reminder_due"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, now=None) -> bool:
        return self.completed_at is None and self.due_at is not None and self.due_at < (now or timezone.now())
