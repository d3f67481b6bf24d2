"""Cadences: who gets followed up, with what, and when; and the per-lead step log that says what happened.

- A ``Cadence`` is an organisation's follow-up plan. Its steps live in numbered ``CadenceVersion`` rows: a
  published version is never edited (leads enrolled on it keep exactly the plan they were given); edits go to
  a draft version that becomes current when published.
- An ``Enrolment`` puts one lead on one version. ``StepRun`` rows are the per-lead step log and the source of
  truth for execution: one row per step due (``due_at``), claimed atomically by exactly one worker.
- ``MessageTemplate`` holds the texts (per-language variants share a name); ``CallTask`` is the "call the
  borrower" item a cadence creates for the loan officer.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_step_key() -> str:
    """A step's identity across versions: branches jump to it and re-planning matches on it."""
    return secrets.token_hex(5)


class MessageTemplate(models.Model):
    class ChannelKind(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="message_templates"
    )
    # Variants in other languages share the name and channel.
    name = models.CharField(max_length=120)
    channel = models.CharField(max_length=10, choices=ChannelKind.choices)
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    is_builtin = models.BooleanField(default=False)
    builtin_key = models.CharField(max_length=80, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "channel", "language"], name="template_variant_unique"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_channel_display()}, {self.language})"


class Cadence(models.Model):
    class PipelineKind(models.TextChoices):
        ANY = "", "Any pipeline"
        PURCHASE = "purchase", "Purchase"
        REFINANCE = "refinance", "Refinance"
        HELOC = "heloc", "HELOC"

    class Trigger(models.TextChoices):
        CAPTURE = "capture", "New lead captured"
        STAGE = "stage", "Lead enters one of the stages"
        MANUAL = "manual", "Only when enrolled by hand or in bulk"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="cadences"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    pipeline_kind = models.CharField(max_length=20, choices=PipelineKind.choices, default="", blank=True)

    # Enrolment rules, as data: an empty list means "any".
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    purposes = models.JSONField(default=list, blank=True)
    loan_types = models.JSONField(default=list, blank=True)
    source_ids = models.JSONField(default=list, blank=True)
    stages = models.JSONField(default=list, blank=True, help_text="Stage names")
    score_tiers = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    # Lower runs first when several cadences match a new lead.
    priority = models.PositiveSmallIntegerField(default=100)
    # A lead is in one open cadence per pipeline; a parallel cadence (e.g. a newsletter) is exempt.
    allows_parallel = models.BooleanField(default=False)

    # Stop conditions besides opt-out and a person's pause/remove (always on).
    stop_on_reply = models.BooleanField(default=True)
    stop_on_stages = models.JSONField(default=list, blank=True, help_text="Stage names")
    stop_when_closed = models.BooleanField(default=True)
    stop_when_leaving_stages = models.BooleanField(
        default=False, help_text="Stop when the lead leaves the stages in the enrolment rules"
    )

    is_active = models.BooleanField(default=False)
    is_builtin = models.BooleanField(default=False)
    builtin_key = models.CharField(max_length=80, blank=True)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_version = models.ForeignKey(
        "CadenceVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "builtin_key"],
                condition=Q(is_builtin=True),
                name="cadence_builtin_once_per_org",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def version(self) -> int:
        """The published version number (0 before the first publish)."""
        return self.current_version.number if self.current_version_id else 0


class CadenceVersion(models.Model):
    """A numbered set of steps. Draft while ``published_at`` is empty; never edited once published."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cadence", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "number"], name="cadence_version_number_unique"),
            models.UniqueConstraint(
                fields=["cadence"], condition=Q(published_at__isnull=True), name="cadence_one_draft"
            ),
        ]

    def __str__(self):
        return f"{self.cadence.name} v{self.number}{'' if self.is_published else ' (draft)'}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CadenceStep(models.Model):
    class Kind(models.TextChoices):
        SEND_SMS = "send_sms", "Send a text"
        SEND_EMAIL = "send_email", "Send an email"
        CALL_TASK = "call_task", "Call task for the owner"
        WAIT = "wait", "Wait"
        BRANCH = "branch", "Branch"
        MOVE_STAGE = "move_stage", "Move stage"
        NOTIFY_OWNER = "notify_owner", "Notify the owner"

    class WaitUnit(models.TextChoices):
        HOURS = "hours", "hours"
        DAYS = "days", "days"
        BUSINESS_DAYS = "business_days", "business days"
        UNTIL_TIME = "until_time", "until a time of day"

    class ConditionField(models.TextChoices):
        STAGE = "stage", "Stage is"
        SCORE_TIER = "score_tier", "Score tier is"
        REPLIED = "replied", "Borrower has replied"
        LOAN_TYPE = "loan_type", "Loan type is"
        HAS_AGENT = "has_agent", "Has a real estate agent"
        PURPOSE = "purpose", "Purpose is"

    version = models.ForeignKey(CadenceVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=20, default=new_step_key)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    # send_sms / send_email: a template (with language variants) or the text written here.
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="steps"
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True, help_text="Message text, call task title or note to the owner")

    # wait
    wait_amount = models.PositiveIntegerField(default=0)
    wait_unit = models.CharField(max_length=20, choices=WaitUnit.choices, blank=True)
    at_local_time = models.TimeField(null=True, blank=True, help_text="In the borrower's time zone")

    # branch: when the condition holds, jump to the step with this key (blank: end the cadence).
    condition_field = models.CharField(max_length=20, choices=ConditionField.choices, blank=True)
    condition_values = models.JSONField(default=list, blank=True)
    condition_negate = models.BooleanField(default=False)
    jump_to_key = models.CharField(max_length=20, blank=True)

    # move_stage
    stage_name = models.CharField(max_length=80, blank=True)
    # notify_owner: also text the owner (in-app always).
    notify_by_sms = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="step_position_unique"),
            models.UniqueConstraint(fields=["version", "key"], name="step_key_unique"),
        ]

    def __str__(self):
        return f"{self.position + 1}. {self.get_kind_display()}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        COMPLETED = "completed", "Completed"

    class StopReason(models.TextChoices):
        REPLIED = "replied", "Borrower replied"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        OPTED_OUT = "opted_out", "Borrower opted out"
        DO_NOT_CONTACT = "do_not_contact", "Added to the do-not-contact list"
        REMOVED = "removed", "Removed by a person"
        REPLACED = "replaced", "Moved to another cadence"
        TALKED = "talked", "Loan officer reached the borrower"
        CADENCE_ENDED = "cadence_ended", "A branch ended the cadence"

    OPEN_STATUSES = (Status.ACTIVE, Status.PAUSED)

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="enrolments")
    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="enrolments")
    cadence_version = models.ForeignKey(CadenceVersion, on_delete=models.PROTECT, related_name="enrolments")
    pipeline = models.ForeignKey("leads.Pipeline", on_delete=models.SET_NULL, null=True, related_name="+")
    is_exclusive = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stop_reason = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    stop_detail = models.CharField(max_length=300, blank=True)
    current_step = models.ForeignKey(
        CadenceStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_step_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enrolled_how = models.CharField(max_length=60, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            # One open (active or paused) cadence per lead per pipeline: the database, not a
            # check-then-insert,
            # keeps two enrolments racing for the same lead from both winning.
            models.UniqueConstraint(
                fields=["lead", "pipeline"],
                condition=Q(status__in=["active", "paused"], is_exclusive=True),
                name="enrolment_one_open_per_pipeline",
            ),
            models.UniqueConstraint(
                fields=["lead", "cadence"],
                condition=Q(status__in=["active", "paused"]),
                name="enrolment_one_open_per_cadence",
            ),
        ]
        indexes = [
            models.Index(fields=["lead", "status"], name="enrolment_lead_status"),
            models.Index(fields=["cadence", "status"], name="enrolment_cadence_status"),
        ]

    def __str__(self):
        return f"{self.lead_id} in {self.cadence_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class StepRun(models.Model):
    """One step due for one lead: the step log. Workers move it pending -> claimed -> done (or skipped,
    failed, cancelled); ``held`` is a step waiting for the organisation's frequency cap."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Running"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        HELD = "held", "Held"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    WAITING_STATUSES = (Status.PENDING, Status.HELD)
    UNFINISHED_STATUSES = (Status.PENDING, Status.HELD, Status.CLAIMED)

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="step_runs")
    step = models.ForeignKey(CadenceStep, on_delete=models.PROTECT, related_name="runs")
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.CharField(max_length=500, blank=True, help_text="What the step did, or why not")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # The scheduler keeps one step in flight per enrolment, so a re-run can never fork the plan.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status__in=["pending", "held", "claimed"]),
                name="steprun_one_in_flight_per_enrolment",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="steprun_due"),
            models.Index(fields=["status", "claimed_at"], name="steprun_claims"),
        ]

    def __str__(self):
        return f"Step run {self.pk} ({self.status})"


class CallTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Outcome(models.TextChoices):
        CONNECTED = "connected", "Talked to the borrower"
        VOICEMAIL = "voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        OTHER = "other", "Other"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="call_tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_tasks"
    )
    # One task per step run, ever: a re-run after a crash finds it instead of creating a second.
    step_run = models.OneToOneField(
        StepRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_task"
    )
    due_at = models.DateTimeField()
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_at"], name="calltask_owner_open")]

    def __str__(self):
        return self.title


class CadenceSettings(models.Model):
    """Organisation-wide limits on automatic follow-up, on top of the state caps the messaging gate
    applies."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="cadence_settings"
    )
    max_texts_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Marketing texts per borrower per 24 hours (empty: no own cap)"
    )
    max_emails_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Marketing emails per borrower per 7 days (empty: no own cap)"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Cadence limits of {self.organisation_id}"
