"""The assistant's records: how each reply was read (and corrected), the drafts waiting for a person, what each
organisation chose, and every exchange with an outside model provider."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from firstcall.assistant.engine import INTENTS

INTENT_CHOICES = [(intent, intent.replace("_", " ").capitalize()) for intent in INTENTS]
INTENT_LABELS = {
    "opt_out": "Asked to stop",
    "wrong_number": "Wrong number",
    "callback_request": "Wants a call",
    "appointment_request": "Wants to meet",
    "interested": "Interested",
    "not_now": "Not now",
    "not_interested": "Not interested",
    "closed_elsewhere": "Closed elsewhere",
    "rate_question": "Asked about rates",
    "document_update": "Sent documents",
    "question": "Asked a question",
    "other": "Other",
}


class ApprovalMode(models.TextChoices):
    APPROVE = "approve", "A person approves every draft"
    AUTO_AFTER_HOURS = "auto_after_hours", "Send on its own outside office hours"
    AUTO = "auto", "Send on its own"


# Intents whose acknowledgement may go out on its own (always through the compliance gate); every other draft
# waits for a person.
AUTO_SEND_ALLOWED = ("callback_request", "appointment_request", "document_update", "not_now")


class AssistantSettings(models.Model):
    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="assistant_settings"
    )
    actions_enabled = models.JSONField(
        default=dict, blank=True, help_text="intent -> whether its action runs"
    )
    approval_modes = models.JSONField(default=dict, blank=True, help_text="intent -> approval mode")
    drafts_enabled = models.BooleanField(default=True)
    provider_enabled = models.BooleanField(
        default=False,
        help_text="Let an outside model provider write drafts (identifiers are redacted first).",
    )
    office_opens = models.TimeField(default="09:00")
    office_closes = models.TimeField(default="18:00")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Assistant settings for {self.organisation}"

    def action_enabled(self, intent: str) -> bool:
        return bool(self.actions_enabled.get(intent, True))

    def approval_mode(self, intent: str) -> str:
        mode = self.approval_modes.get(intent, ApprovalMode.APPROVE)
        return mode if intent in AUTO_SEND_ALLOWED else ApprovalMode.APPROVE


class ReplyReading(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="reply_readings", null=True)
    # The inbound message this reading is about (messaging owns it; the id is enough to find it).
    message_id = models.BigIntegerField(unique=True)
    channel = models.CharField(max_length=10)
    received_at = models.DateTimeField()
    intent = models.CharField(max_length=30, choices=INTENT_CHOICES)
    confidence = models.FloatField()
    language = models.CharField(max_length=5)
    opt_out = models.BooleanField(default=False)
    needs_review = models.BooleanField(default=False)
    entities = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    actions = models.JSONField(default=list, blank=True, help_text="what was done about it, with reasons")
    corrected_intent = models.CharField(max_length=30, choices=INTENT_CHOICES, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["lead", "-received_at"])]

    def __str__(self):
        return f"{self.get_intent_display()} ({self.confidence:.0%})"

    @property
    def final_intent(self) -> str:
        return self.corrected_intent or self.intent

    @property
    def label(self) -> str:
        return INTENT_LABELS.get(self.final_intent, self.final_intent)


class LabelledExample(models.Model):
    """A reply whose intent a person set: the organisation's own training data for the reply model."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    intent = models.CharField(max_length=30, choices=INTENT_CHOICES)
    language = models.CharField(max_length=5, blank=True)
    reading = models.OneToOneField(
        ReplyReading, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.intent}: {self.text[:40]}"


class Draft(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for approval"
        SENT = "sent", "Sent"
        DISCARDED = "discarded", "Discarded"
        BLOCKED = "blocked", "Blocked by a guardrail"

    class Origin(models.TextChoices):
        TEMPLATE = "template", "Template"
        PROVIDER = "provider", "Model provider"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="reply_drafts")
    reading = models.OneToOneField(ReplyReading, on_delete=models.CASCADE, related_name="draft", null=True)
    channel = models.CharField(max_length=10, default="sms")
    language = models.CharField(max_length=5, default="en")
    body = models.TextField()
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.TEMPLATE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    approval_mode = models.CharField(
        max_length=20, choices=ApprovalMode.choices, default=ApprovalMode.APPROVE
    )
    guardrails = models.JSONField(default=list, blank=True)
    edited = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    sent_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status", "-created_at"])]

    def __str__(self):
        return f"Draft for lead {self.lead_id} ({self.get_status_display()})"

    @property
    def guardrails_passed(self) -> bool:
        return all(check.get("passed") for check in self.guardrails)


class ProviderExchange(models.Model):
    """One request to an outside model provider and its answer, kept for audit (identifiers already redacted)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.SET_NULL, null=True, related_name="+")
    draft = models.ForeignKey(
        Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="exchanges"
    )
    request = models.JSONField()
    response = models.TextField(blank=True)
    status = models.CharField(max_length=10)
    latency_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Provider {self.status} in {self.latency_ms} ms"
