import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from firstcall.lib.crypto import decrypt_text, encrypt_text


def _key_material() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


class EncryptedJSONField(models.TextField):
    """JSON stored encrypted (borrowers' incomes, account numbers, birth dates): unreadable without the key."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return json.loads(decrypt_text(value, _key_material()))

    def to_python(self, value):
        if isinstance(value, dict | list):
            return value
        if value in (None, ""):
            return {}
        return json.loads(value)

    def get_prep_value(self, value):
        return encrypt_text(json.dumps(value or {}, sort_keys=True), _key_material())


class LoanApplication(models.Model):
    """What FirstCall knows of a lead's loan application beyond the lead's own fields: co-borrowers, employment,
    income items, assets, liabilities, declarations, the loan number in the LOS, and what the LOS reported back."""

    class Format(models.TextChoices):
        MISMO = "mismo", "MISMO 3.4"
        FNM = "fnm", "Fannie Mae 1003 3.2"
        FIRSTCALL = "firstcall", "FirstCall"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="loan_application")
    loan_number = models.CharField(max_length=60, blank=True, db_index=True)
    # integrations.application's shape as JSON (application.to_json), encrypted at rest.
    data = EncryptedJSONField(blank=True, default=dict)
    imported_from = models.CharField(max_length=10, choices=Format.choices, default=Format.FIRSTCALL)
    # XPaths (MISMO) or record ids (.fnm) of the last import that FirstCall could not place.
    unplaced = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    los_milestone = models.CharField(max_length=30, blank=True)
    los_milestone_at = models.DateTimeField(null=True, blank=True)
    funded_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    funded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "loan_number"],
                condition=~models.Q(loan_number=""),
                name="loan_application_number_unique",
            )
        ]

    def __str__(self):
        return f"Loan application for lead {self.lead_id}"


class EncryptedTextField(models.TextField):
    """Text stored encrypted (a webhook signing secret): it has to be read back to sign, so it is not hashed."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return ""
        return decrypt_text(value, _key_material())

    def get_prep_value(self, value):
        return encrypt_text(value or "", _key_material())


class WebhookSubscription(models.Model):
    """An organisation's receiver of signed webhooks (Standard Webhooks 1.0) for the events it chose."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="Webhook event types delivered (catalogue names)")
    secret = EncryptedTextField(help_text="whsec_... signing secret, shown once")
    is_active = models.BooleanField(default=True)
    # The first failed delivery since the last success; cleared by a success. Disabling looks at it.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "id"]

    def __str__(self):
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in (self.event_types or [])


class WebhookMessage(models.Model):
    """The outbox row for one event to one subscription: its body is fixed when written, its id (webhook-id)
    stays the same on every retry and replay so receivers can deduplicate."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"
        CANCELLED = "cancelled", "Cancelled (subscription disabled)"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="messages")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=80)
    event_id = models.BigIntegerField(null=True, blank=True, help_text="The domain event it came from")
    body = models.TextField(help_text="The exact JSON that is signed and sent")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="one_webhook_message_per_event_and_subscription",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_message_due"),
            models.Index(fields=["subscription", "-created_at"], name="webhook_message_log"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.message_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a message: the delivery log the settings page shows."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self):
        return f"{self.message_id} {self.status_code or self.error}"


class LosConnection(models.Model):
    """A loan origination system that reports milestones back: its bearer token (hashed), and for
    Encompass-style notifications (resource id + event) the fetch that reads the loan."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    token_hash = models.CharField(max_length=64, unique=True)
    # e.g. https://los.example.com/api/loans/{resource_id}; the response is read with field_paths.
    fetch_url = models.CharField(max_length=500, blank=True)
    fetch_authorization = EncryptedTextField(blank=True, help_text="Authorization header value for the fetch")
    # Where the fetched JSON keeps each fact: {"loan_number": "loanNumber", "milestone": "milestone.name", ...}
    field_paths = models.JSONField(default=dict, blank=True)
    # The LOS's milestone names -> FirstCall's (application_taken, disclosed, ...); defaults in integrations.los.
    milestone_names = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class LosEvent(models.Model):
    """One milestone report from a loan origination system, kept whatever happens to it: matched and applied,
    waiting for a person in the review queue, or waiting for its fetch."""

    class Status(models.TextChoices):
        PENDING_FETCH = "pending_fetch", "Waiting to fetch the loan"
        APPLIED = "applied", "Matched and applied"
        REVIEW = "review", "Needs review (no sure match)"
        DUPLICATE = "duplicate", "Already applied"
        FAILED = "failed", "Could not be read"
        DISMISSED = "dismissed", "Dismissed by a person"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(LosConnection, on_delete=models.SET_NULL, null=True, blank=True)
    shape = models.CharField(max_length=20, help_text="json, notification or csv")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    payload = EncryptedJSONField(blank=True, default=dict)
    resource_id = models.CharField(max_length=120, blank=True)
    loan_number = models.CharField(max_length=60, blank=True, db_index=True)
    milestone = models.CharField(max_length=30, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, db_index=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    match_reason = models.CharField(max_length=300, blank=True)
    candidates = models.JSONField(default=list, blank=True, help_text="Lead ids that could be this borrower")
    error = models.CharField(max_length=300, blank=True)
    fetch_attempts = models.PositiveSmallIntegerField(default=0)
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-received_at"], name="los_event_queue")]

    def __str__(self):
        return f"{self.milestone or 'LOS event'} for {self.loan_number or self.resource_id} ({self.status})"


class BookingProfile(models.Model):
    """A loan officer's public booking page: meeting length, buffers, notice and horizon. Working hours and time
    zone are the officer's own (accounts.User.working_hours, time_zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_profile"
    )
    is_enabled = models.BooleanField(default=True)
    meeting_minutes = models.PositiveSmallIntegerField(default=30)
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=15)
    minimum_notice_minutes = models.PositiveIntegerField(default=120)
    horizon_days = models.PositiveSmallIntegerField(default=14)

    def __str__(self):
        return f"Booking page of {self.user}"


class Appointment(models.Model):
    """A call booked with a loan officer. `uid` never changes; `sequence` rises with each reschedule or
    cancellation, as iCalendar requires for updates to land on the same calendar entry."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    loan_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments"
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    borrower_time_zone = models.CharField(max_length=64, blank=True)
    uid = models.CharField(max_length=120, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["loan_officer", "status", "starts_at"], name="appointment_officer_time")
        ]

    def __str__(self):
        return f"Appointment {self.uid} at {self.starts_at:%Y-%m-%d %H:%M}"
