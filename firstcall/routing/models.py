from django.conf import settings
from django.db import models
from django.utils import timezone


class RoutingRule(models.Model):
    """One ordered rule: conditions (empty = any), a strategy, and the loan officers it may pick."""

    STRATEGIES = [
        ("round_robin", "Round-robin"),
        ("weighted", "Weighted split"),
        ("least_busy", "Least busy"),
        ("claim", "First to claim"),
        ("cascade", "Offer cascade"),
        ("sticky", "Sticky (returning borrower)"),
        ("referral_preference", "Referral partner's preference"),
    ]

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="routing_rules"
    )
    # A rule of one team: its branch manager may edit it, and it picks only that team's loan officers.
    # Empty: an organisation-wide rule, which only the organisation's admins edit.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="routing_rules"
    )
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    is_draft = models.BooleanField(default=False, help_text="Drafts are only used for previews and replays")
    strategy = models.CharField(max_length=30, choices=STRATEGIES, default="round_robin")
    base_strategy = models.CharField(max_length=30, choices=STRATEGIES[:5], default="round_robin")
    source_ids = models.JSONField(default=list, blank=True)
    loan_types = models.JSONField(default=list, blank=True)
    states = models.JSONField(default=list, blank=True)
    score_tiers = models.JSONField(default=list, blank=True)
    purposes = models.JSONField(default=list, blank=True)
    candidates = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="routing_rules")
    fallback_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    assign_outside_working_hours = models.BooleanField(default=True)
    fall_through = models.BooleanField(default=True)
    cascade_offer_minutes = models.PositiveSmallIntegerField(default=5)
    language_match = models.CharField(
        max_length=4, choices=[("soft", "Prefer"), ("hard", "Require")], default="soft"
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class RoutingState(models.Model):
    """Round-robin cursors and weighted counts of one organisation, locked while a lead is routed."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    cursors = models.JSONField(default=dict)
    assigned_counts = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Routing state of {self.organisation_id}"


class RoutingDecisionLog(models.Model):
    """Why a lead went to whom: the candidates considered and why each was or was not chosen."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="routing_decisions")
    decided_at = models.DateTimeField(default=timezone.now)
    trigger = models.CharField(max_length=40, default="capture")
    rule_name = models.CharField(max_length=120, blank=True)
    strategy = models.CharField(max_length=30, blank=True)
    chosen_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(blank=True)
    candidates = models.JSONField(default=list)
    rules_considered = models.JSONField(default=list)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"Lead {self.lead_id}: {self.rule_name} → {self.chosen_user_id}"


class LeadOffer(models.Model):
    """A lead offered to a loan officer: to a claim group (first to claim wins) or one by one in a cascade."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "Claim broadcast"
        CASCADE = "cascade", "Cascade offer"
        # The owner missed the response time: offered to the next person; the owner keeps the lead until
        # someone accepts (a lead is never left without an owner by a rule).
        HANDOVER = "handover", "Handover offer"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn (someone else took it)"

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="offers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_offers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in a cascade")
    offered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # For a handover: who held the lead when it was offered.
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["lead", "position"]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_open_expiry")]

    def __str__(self):
        return f"{self.kind} offer of lead {self.lead_id} to {self.user_id}"
