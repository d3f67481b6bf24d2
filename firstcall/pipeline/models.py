from django.conf import settings
from django.db import models
from django.utils import timezone


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
