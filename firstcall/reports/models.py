"""Report data: daily rollups per organisation, day of arrival, source, loan officer and loan type, kept current
by the worker and rebuilt by a command, so report pages never scan leads. Plus the lender's own inputs: revenue
per funded loan, monthly source fees, funded loans heard from the LOS, and who gets the weekly digest."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from firstcall.reports.engine.figures import CONVERSION_LABELS, SPEED_KEYS


class DailyRollup(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The day the leads arrived, in the organisation's time zone")
    source_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    loan_type = models.CharField(max_length=20, blank=True)
    pipeline_kind = models.CharField(max_length=20, blank=True)
    campaign = models.CharField(max_length=120, blank=True, help_text="The vendor's campaign (utm_campaign)")
    hour = models.PositiveSmallIntegerField(
        default=0, help_text="The hour the leads arrived (0-23), in the organisation's time zone"
    )
    leads = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0, help_text="Repeat deliveries merged into a lead")
    contacted = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    funded = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    funded_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    lead_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "day"])]

    def __str__(self):
        return f"{self.day} rollup ({self.leads} leads)"


# The speed histograms and the conversion by speed are plain counter columns (touch_<bucket>, contact_<bucket>,
# conversion_<n>_<leads|applied|funded>), so a report sums them in the database instead of reading each row.
HISTOGRAM_COLUMNS = [f"{kind}_{key}" for kind in ("touch", "contact") for key in SPEED_KEYS]
CONVERSION_COLUMNS = [
    f"conversion_{index}_{measure}"
    for index in range(len(CONVERSION_LABELS))
    for measure in ("leads", "applied", "funded")
]
for _column in HISTOGRAM_COLUMNS + CONVERSION_COLUMNS:
    DailyRollup.add_to_class(_column, models.PositiveIntegerField(default=0))


class PeriodRollup(models.Model):
    """The daily rollups summed again per day, week (from Monday) and month, along three narrower sets of keys, so a
    year of reports sums a few thousand rows instead of one per lead: `main` keeps source, loan officer, team and
    loan type (every filter and every grouping but campaign and hour); `campaign` keeps the campaign, source, loan
    officer and team; `hour` keeps the hour of arrival, loan officer and team. Rebuilt from the daily rows
    whenever their days are (firstcall/reports/rollups.py, refresh_periods); a report that filters on a key a set
    lacks reads the daily rows instead."""

    class Grain(models.TextChoices):
        DAY = "day"
        WEEK = "week"
        MONTH = "month"

    class Keys(models.TextChoices):
        MAIN = "main"
        CAMPAIGN = "campaign"
        HOUR = "hour"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    grain = models.CharField(max_length=5, choices=Grain.choices)
    keys = models.CharField(max_length=8, choices=Keys.choices)
    day = models.DateField(
        help_text="The first day of the day, week or month, in the organisation's time zone"
    )
    source_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    loan_type = models.CharField(max_length=20, blank=True)
    campaign = models.CharField(max_length=120, blank=True)
    hour = models.PositiveSmallIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    funded = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    funded_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    lead_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "keys", "grain", "day"], name="periodrollup_lookup")]

    def __str__(self):
        return f"{self.grain} of {self.day} rollup ({self.keys})"


for _column in HISTOGRAM_COLUMNS + CONVERSION_COLUMNS:
    PeriodRollup.add_to_class(_column, models.PositiveIntegerField(default=0))


class StaleDay(models.Model):
    """A day whose rollup must be rebuilt because one of its leads changed (new, moved, assigned, funded)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "day"], name="stale_day_once")]

    def __str__(self):
        return f"Rebuild {self.day}"


class FundedLoan(models.Model):
    """A funded loan as the LOS (or a person closing the lead) reported it: amount and date for the money report."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="funded_loan")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    funded_on = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Funded {self.amount} on {self.funded_on}"


class ReportSettings(models.Model):
    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    revenue_bps = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=0,
        help_text="Revenue per funded loan in basis points of the amount",
    )
    revenue_flat = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, help_text="Revenue per funded loan, flat"
    )
    # pipeline kind -> {"applied": stage name, "approved": stage name}: which stage counts as each funnel step.
    funnel_stages = models.JSONField(default=dict, blank=True)
    recent_refreshed_at = models.DateTimeField(null=True, blank=True, help_text="Last refresh of recent days")
    rollups_version = models.PositiveSmallIntegerField(
        default=0, help_text="The shape of rollups last built whole for the organisation (0: never)"
    )

    def __str__(self):
        return f"Report settings for {self.organisation}"


class SourceMonthlyFee(models.Model):
    source = models.ForeignKey("leads.LeadSource", on_delete=models.CASCADE, related_name="monthly_fees")
    month = models.DateField(help_text="The first day of the month")
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "month"], name="one_fee_per_source_month")]

    def __str__(self):
        return f"{self.amount} for {self.month:%B %Y}"


class DigestSubscription(models.Model):
    """A manager (or a loan officer, for their own numbers) who gets the weekly digest, on a chosen day and hour."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_digest"
    )
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 = Monday")
    hour = models.PositiveSmallIntegerField(default=8)
    is_active = models.BooleanField(default=True)
    last_sent_on = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"Digest for {self.user}"


class StageVisit(models.Model):
    """One stay of a lead in one stage, from its stage history: when it entered, when it left (null while it is
    still there). Kept by the worker from `lead.stage_changed` and rebuilt by `firstcall report rebuild`, so the
    velocity and stall figures are sums over these rows, never a walk through leads and their timelines."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("leads.Stage", on_delete=models.CASCADE, related_name="+")
    owner_id = models.BigIntegerField(null=True)
    source_id = models.BigIntegerField(null=True)
    loan_type = models.CharField(max_length=20, blank=True)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    seconds = models.BigIntegerField(null=True, blank=True, help_text="Time spent in the stage, once it left")

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "left_at"], name="stagevisit_org_left"),
            models.Index(fields=["lead", "entered_at"], name="stagevisit_lead"),
        ]

    def __str__(self):
        return f"Lead {self.lead_id} in stage {self.stage_id} from {self.entered_at:%Y-%m-%d}"


class ActivityRollup(models.Model):
    """Messages sent to borrowers (and those answered) and calls logged, per day and hour (organisation's time
    zone), channel, lead owner, caller, source and loan type. Rebuilt with the daily rollups (today's and
    yesterday's every few minutes), so the activity report sums rows instead of reading messages and timelines."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hour = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=10, help_text="sms, email or call")
    owner_id = models.BigIntegerField(null=True, help_text="The lead's loan officer")
    team_id = models.BigIntegerField(null=True)
    actor_id = models.BigIntegerField(null=True, help_text="Who logged the call")
    source_id = models.BigIntegerField(null=True)
    loan_type = models.CharField(max_length=20, blank=True)
    sent = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    connected = models.PositiveIntegerField(default=0)
    voicemail = models.PositiveIntegerField(default=0)
    no_answer = models.PositiveIntegerField(default=0)
    wrong_number = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "day"], name="activityrollup_org_day")]

    def __str__(self):
        return f"{self.day} {self.channel} activity"
