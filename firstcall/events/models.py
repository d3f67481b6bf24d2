"""The events outbox: an Event row per business fact, and a Delivery row per (event, subscriber) recording what
the subscriber did. The rows are the truth; tasks and the sweep only move them forward."""

from django.db import models


class Event(models.Model):
    """One business fact (`lead.captured`, `message.received`...). The payload follows the schema of its name in
    firstcall.events.catalogue (documented in docs/events.md); it holds ids and facts, never message bodies."""

    name = models.CharField(max_length=80)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    # Set once every subscriber has either done its work or given up; the sweep looks only at rows left open.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation_id", "id"], name="event_org_feed"),
            models.Index(fields=["name", "id"], name="event_name_feed"),
            models.Index(
                fields=["occurred_at"], name="event_open", condition=models.Q(dispatched_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class Delivery(models.Model):
    """One subscriber's handling of one event. `done` is written in the same transaction as the subscriber's own
    changes, so a retried event never repeats work that committed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (will be retried)"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (gave up after retries)"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200, help_text="Dotted path of the subscriber function")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(
        default=dict, blank=True, help_text="What the subscriber did, as it reported it"
    )
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="one_delivery_per_event_and_subscriber"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscriber}: {self.status}"
