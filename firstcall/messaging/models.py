"""The outbox: every message in or out is a row whose status is the truth; tasks and sweeps only move it
along."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Message(models.Model):
    class ChannelKind(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        # Written by the borrower in the borrower portal: inbound only, on the same thread as texts.
        PORTAL = "portal", "Portal message"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Outbound"
        INBOUND = "inbound", "Inbound"

    class Purpose(models.TextChoices):
        FIRST_TOUCH = "first_touch", "First touch"
        ALERT = "alert", "Alert to a loan officer"
        CADENCE = "cadence", "Cadence step"
        MANUAL = "manual", "Sent by a person"
        OPT_OUT_CONFIRMATION = "opt_out_confirmation", "Opt-out confirmation"
        OPT_IN_CONFIRMATION = "opt_in_confirmation", "Opt-in confirmation"
        HELP_REPLY = "help_reply", "HELP reply"
        REPLY = "reply", "Borrower reply"
        APPOINTMENT = "appointment", "Appointment invitation or reminder"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        HELD = "held", "Held"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"
        RECEIVED = "received", "Received"

    # Answers to the borrower's own request (STOP, HELP, START): allowed to an opted-out number, at any hour,
    # without marketing consent. 47 CFR 64.1200(a)(12) allows one opt-out confirmation; CTIA requires HELP
    # answers.
    RESPONSE_PURPOSES = frozenset(
        {Purpose.OPT_OUT_CONFIRMATION, Purpose.OPT_IN_CONFIRMATION, Purpose.HELP_REPLY}
    )
    SENDABLE_STATUSES = (Status.QUEUED, Status.HELD)

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="messages"
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    # Set for alerts to a loan officer: a staff message, not a borrower message (no borrower consent needed).
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="received_messages",
    )
    channel = models.CharField(max_length=10, choices=ChannelKind.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    is_marketing = models.BooleanField(default=False)
    to_address = models.CharField(max_length=254, blank=True, help_text="E.164 number or lower-case email")
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    # Email only: text attachments such as a calendar invitation, [{"filename", "content_type", "content"}].
    attachments = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.CharField(max_length=500, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)
    needs_review = models.BooleanField(
        default=False, help_text="A person should look (possible opt-out, ...)"
    )
    keyword = models.CharField(max_length=20, blank=True, help_text="Inbound: opt_out, opt_in, help, ...")

    idempotency_key = models.CharField(max_length=200, unique=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Not before this time (retry or hold)"
    )
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it for sending")
    last_error = models.CharField(max_length=500, blank=True)

    # A person who sent it by hand: human contact for the SLA, unlike automatic messages.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_messages",
    )
    cadence_step_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["status", "claimed_at"], name="message_claims"),
            models.Index(fields=["organisation", "-created_at"], name="message_org_recent"),
            models.Index(fields=["lead", "-created_at"], name="message_lead_recent"),
            models.Index(
                fields=["organisation", "channel", "to_address", "status"], name="message_recipient"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.direction} #{self.pk} ({self.status})"

    @property
    def is_to_borrower(self) -> bool:
        return (
            self.direction == self.Direction.OUTBOUND
            and self.recipient_user_id is None
            and (self.purpose != self.Purpose.ALERT)
        )

    @property
    def is_response_to_borrower_request(self) -> bool:
        return self.purpose in self.RESPONSE_PURPOSES


class SendDecision(models.Model):
    """Why a message went out, waited or was stopped: one row per gate check, never edited."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        HELD = "held", "Held"
        SUPPRESSED = "suppressed", "Suppressed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reasons = models.JSONField(default=list)
    zones = models.JSONField(default=list, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.outcome} at {self.decided_at:%Y-%m-%d %H:%M}"


class Suppression(models.Model):
    """Do not contact this address on this channel, organisation-wide (every loan officer and cadence)."""

    class Reason(models.TextChoices):
        STOP_KEYWORD = "stop_keyword", "Replied STOP"
        PENDING_REVIEW = "pending_review", "Possible opt-out, awaiting a person"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribed by email link"
        MANUAL = "manual", "Added by hand"
        BOUNCE = "bounce", "Address bounced"
        DNC_IMPORT = "dnc_import", "Do-not-contact import"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="suppressions"
    )
    channel = models.CharField(max_length=10, choices=Message.ChannelKind.choices)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    source_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one active entry per address, so concurrent STOPs cannot create two.
            models.UniqueConstraint(
                fields=["organisation", "channel", "address"],
                condition=Q(lifted_at__isnull=True),
                name="suppression_one_active_per_address",
            )
        ]
        indexes = [models.Index(fields=["organisation", "channel", "address"], name="suppression_lookup")]

    def __str__(self):
        return f"{self.channel} {self.reason}{' (lifted)' if self.lifted_at else ''}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class SendPace(models.Model):
    """The next free send slot of one paced sender (a sender number or a provider account): workers take
    slots from here in a short locked transaction, so every worker together keeps to the configured rate."""

    key = models.CharField(max_length=200, unique=True)
    next_slot_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key}: next slot {self.next_slot_at:%H:%M:%S.%f}"
