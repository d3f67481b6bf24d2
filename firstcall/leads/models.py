import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from firstcall.leads.fields import EncryptedDateField, EncryptedDecimalField, EncryptedJSONField
from firstcall.lib.redaction import redact_body


class Channel(models.TextChoices):
    WEB_FORM = "web_form", "Web form"
    API = "api", "JSON API"
    GOOGLE_ADS = "google_ads", "Google Ads lead form"
    META = "meta", "Meta Lead Ads"
    VENDOR_POST = "vendor_post", "Vendor post"
    CSV = "csv", "CSV import"
    EMAIL = "email", "Email"
    MANUAL = "manual", "Entered by hand"


def new_public_id() -> str:
    """The id in a public address (/f/<id>/): random, so one lender's forms cannot be found by counting."""
    return "s" + secrets.token_urlsafe(12)


class LeadSource(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="lead_sources"
    )
    name = models.CharField(max_length=120)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    vendor = models.CharField(max_length=120, blank=True)
    cost_per_lead = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # The channel's shared secret: Google's google_key, Meta's app secret, or a vendor post key.
    secret = models.CharField(max_length=200, blank=True)
    verify_token = models.CharField(max_length=200, blank=True, help_text="Meta webhook verify token")
    field_mapping = models.JSONField(default=dict, blank=True)
    consent_text = models.TextField(blank=True, help_text="Overrides the organisation's consent disclosure")
    form_title = models.CharField(max_length=200, default="Let's talk about your home loan")
    thank_you_message = models.TextField(
        default="Thank you! A licensed loan officer will text or call you within minutes.", blank=True
    )
    quality_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0-100, used in scoring"
    )
    is_active = models.BooleanField(default=True)
    default_region = models.CharField(
        max_length=2,
        default="US",
        help_text="Country (ISO 3166 code) of phone numbers sent without a country code",
    )
    created_at = models.DateTimeField(default=timezone.now)
    public_id = models.CharField(max_length=40, unique=True, default=new_public_id, editable=False)
    # Sites allowed to show this source's public form in a frame ("https://www.example.com"); none: only us.
    embed_origins = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def effective_consent_text(self) -> str:
        return self.consent_text or self.organisation.consent_text()


# Every lead sits in a pipeline stage and every app writes to its timeline, so these live beside Lead. Their
# tables keep the names they were created with (pipeline_*).


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
        db_table = "pipeline_pipeline"
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
        db_table = "pipeline_stage"
        ordering = ["pipeline", "position"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "position"], name="stage_position_unique")]

    def __str__(self):
        return f"{self.pipeline.name}: {self.name}"

    @property
    def is_closed(self) -> bool:
        return self.outcome != self.Outcome.OPEN


class Lead(models.Model):
    class Purpose(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        RATE_TERM_REFINANCE = "rate_term_refinance", "Rate/term refinance"
        CASH_OUT_REFINANCE = "cash_out_refinance", "Cash-out refinance"
        HELOC = "heloc", "HELOC"

    class LoanType(models.TextChoices):
        CONVENTIONAL = "conventional", "Conventional"
        FHA = "fha", "FHA"
        VA = "va", "VA"
        USDA = "usda", "USDA"
        JUMBO = "jumbo", "Jumbo"
        NOT_SURE = "not_sure", "Not sure"

    class PropertyType(models.TextChoices):
        SINGLE_FAMILY = "single_family", "Single family"
        CONDO = "condo", "Condo"
        TOWNHOUSE = "townhouse", "Townhouse"
        MANUFACTURED = "manufactured", "Manufactured"
        MULTI_FAMILY = "multi_family", "2-4 units"

    class PropertyUse(models.TextChoices):
        PRIMARY = "primary", "Primary residence"
        SECOND_HOME = "second_home", "Second home"
        INVESTMENT = "investment", "Investment"

    class Timeframe(models.TextChoices):
        ASAP = "asap", "Right away"
        WITHIN_30_DAYS = "30_days", "Within 30 days"
        WITHIN_90_DAYS = "90_days", "1-3 months"
        WITHIN_6_MONTHS = "6_months", "3-6 months"
        LATER = "12_months_plus", "6+ months"
        UNKNOWN = "unknown", "Not sure"

    class ContactPreference(models.TextChoices):
        ANY = "any", "Any"
        SMS = "sms", "Text"
        EMAIL = "email", "Email"
        CALL = "call", "Call"

    class RateType(models.TextChoices):
        FIXED = "fixed", "Fixed"
        ADJUSTABLE = "adjustable", "Adjustable (ARM)"

    class EmploymentType(models.TextChoices):
        W2 = "w2", "Employed (W-2)"
        SELF_EMPLOYED = "self_employed", "Self-employed"
        RETIRED = "retired", "Retired"
        MILITARY = "military", "Military"
        OTHER = "other", "Other"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="leads")
    source = models.ForeignKey(
        LeadSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )

    # The borrower
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="Mobile, E.164")
    phone_extension = models.CharField(max_length=10, blank=True)
    other_phones = models.JSONField(default=list, blank=True)
    street_address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80, blank=True)
    name_key = models.CharField(max_length=170, blank=True, help_text="Lower-case first|last, for matching")
    preferred_language = models.CharField(max_length=10, default="en")
    contact_preference = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.ANY
    )
    zip_code = models.CharField(max_length=5, blank=True)
    county = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    # The scenario
    purpose = models.CharField(max_length=30, choices=Purpose.choices, blank=True)
    loan_type = models.CharField(max_length=20, choices=LoanType.choices, default=LoanType.NOT_SURE)
    property_type = models.CharField(max_length=20, choices=PropertyType.choices, blank=True)
    property_use = models.CharField(max_length=20, choices=PropertyUse.choices, blank=True)
    purchase_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    property_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    down_payment = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    loan_balance = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    loan_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    down_payment_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    cash_out_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    current_rate = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="Current mortgage rate, percent"
    )
    rate_type = models.CharField(max_length=12, choices=RateType.choices, blank=True)
    loan_term_years = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_score_low = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_score_high = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_band = models.CharField(max_length=20, blank=True)
    timeframe = models.CharField(max_length=20, choices=Timeframe.choices, default=Timeframe.UNKNOWN)
    first_time_buyer = models.BooleanField(null=True, blank=True)
    veteran = models.BooleanField(null=True, blank=True)
    annual_income = EncryptedDecimalField(null=True, blank=True)
    monthly_debts = EncryptedDecimalField(null=True, blank=True)
    # Liquid assets verified from reviewed bank statements (their ending balances), and the statement date; the
    # assessment turns them into months of reserves. Written only by pipeline.verified_assets.
    verified_assets = EncryptedDecimalField(null=True, blank=True)
    verified_assets_as_of = models.DateField(null=True, blank=True)
    # Found on an intake request (where it was redacted from the raw record); kept encrypted.
    date_of_birth = EncryptedDateField(null=True, blank=True)
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices, blank=True)
    has_real_estate_agent = models.BooleanField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # Values the intake could not read, kept as sent: [{"field", "value", "message"}].
    intake_warnings = models.JSONField(default=list, blank=True)

    # Attribution
    utm = models.JSONField(default=dict, blank=True)
    utm_source = models.CharField(max_length=120, blank=True)
    utm_campaign = models.CharField(max_length=120, blank=True)
    gclid = models.CharField(max_length=200, blank=True)
    vendor_lead_id = models.CharField(max_length=200, blank=True)
    referral_partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referred_leads",
    )

    # Work
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_leads"
    )
    shared_with = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="shared_leads")
    processor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="processed_leads",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="leads")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="leads")
    lost_reason = models.CharField(max_length=200, blank=True)
    is_test = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    consent_email = models.BooleanField(default=False)
    consent_calls = models.BooleanField(default=False)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    score_tier = models.CharField(max_length=10, blank=True)
    inquiry_count = models.PositiveIntegerField(default=1)
    # Texts and emails the borrower sent us (engagement, a scoring factor); kept from message.received.
    reply_count = models.PositiveIntegerField(default=0)

    # Speed to lead: the clock starts at capture; only a person's contact stops it.
    assigned_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True, db_index=True)
    first_touch_at = models.DateTimeField(null=True, blank=True, help_text="First automatic message sent")
    first_human_contact_at = models.DateTimeField(null=True, blank=True)
    sla_status = models.CharField(max_length=10, blank=True, help_text="pending, met or breached")
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    sla_escalation_step = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    last_inquiry_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    previous_lead = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "email"], name="lead_org_email"),
            models.Index(fields=["organisation", "phone"], name="lead_org_phone"),
            models.Index(fields=["organisation", "name_key", "zip_code"], name="lead_org_name_zip"),
            # With the owner, the team page's open leads per officer and stage are read from the index alone
            # (docs/benchmarks.md); it also serves every (organisation, stage) lookup.
            models.Index(fields=["organisation", "stage", "owner"], name="lead_org_stage_owner"),
            # Leads nobody has spoken to yet (a few percent of a book): My day's new leads, their count and
            # its refresh check read this small index instead of every lead of the organisation.
            models.Index(
                fields=["organisation", "stage", "created_at"],
                condition=models.Q(first_human_contact_at__isnull=True),
                name="lead_org_uncontacted",
            ),
            # My day's hot leads, best first, without sorting every hot lead.
            models.Index(
                fields=["organisation", "score_tier", "-score", "-updated_at"], name="lead_org_tier_score"
            ),
            models.Index(fields=["organisation", "owner", "-created_at"], name="lead_org_owner_recent"),
            models.Index(fields=["source", "-created_at"], name="lead_source_recent"),
            # The vendor's lead id is a verified identity for dedupe (leads/dedupe.py find_match); without
            # this index the lookup walked every lead of the source (newest first, as the lookup reads them).
            models.Index(fields=["source", "vendor_lead_id", "-created_at"], name="lead_source_vendor_id"),
            models.Index(fields=["owner", "stage"], name="lead_owner_stage"),
            models.Index(fields=["owner", "assigned_at"], name="lead_owner_assigned"),
        ]

    def __str__(self):
        return self.full_name or f"Lead {self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in [self.first_name, self.last_name] if part)

    @property
    def is_open(self) -> bool:
        return not self.stage.is_closed


class IntakeRecord(models.Model):
    """The raw request behind every intake attempt, written before anything else can fail."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ACCEPTED = "accepted", "Accepted (new lead)"
        MERGED = "merged", "Merged into existing lead"
        DUPLICATE = "duplicate", "Duplicate delivery"
        REJECTED = "rejected", "Rejected"
        PENDING_RETRY = "pending_retry", "Pending retry"
        PROCESSED = "processed", "Processed (no lead of its own)"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="intake_records",
    )
    source = models.ForeignKey(
        LeadSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="intake_records"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    body_size = models.PositiveIntegerField(default=0)
    is_body_truncated = models.BooleanField(default=False)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=300, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    reasons = models.JSONField(default=list, blank=True)
    field_errors = models.JSONField(default=dict, blank=True)
    unknown_fields = models.JSONField(default=dict, blank=True)
    # Values kept as sent because they could not be read (the lead was created regardless).
    warnings = models.JSONField(default=list, blank=True)
    is_signature_valid = models.BooleanField(null=True, blank=True)
    is_test = models.BooleanField(default=False)
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="intake_records"
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )
    # A delivery that carried several leads (a Meta notification) is the parent of one record per lead.
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    # What the redaction at the door replaced in the body ({"kind", "where"}, never the value), and the values
    # FirstCall needs from it (the date of birth), encrypted.
    redactions = models.JSONField(default=list, blank=True)
    sensitive_values = EncryptedJSONField(null=True, blank=True)
    body_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-received_at"], name="intake_org_status")]

    def __str__(self):
        return f"{self.get_channel_display()} #{self.pk} ({self.status})"

    def save(self, *args, **kwargs):
        if self._state.adding and self.body:
            self.redact_body()
        super().save(*args, **kwargs)

    def redact_body(self) -> None:
        """Redaction at the door: every way a record is created goes through save(), so no raw sensitive value
        is ever written (firstcall/lib/redaction.py)."""
        result = redact_body(self.body, self.content_type)
        if not result.changed:
            return
        self.body = result.text
        self.redactions = [finding.as_json() for finding in result.findings[:50]]
        if result.date_of_birth:
            self.sensitive_values = {**(self.sensitive_values or {}), "date_of_birth": result.date_of_birth}

    @property
    def date_of_birth(self) -> str:
        return (self.sensitive_values or {}).get("date_of_birth", "")


class IdempotencyKey(models.Model):
    """First result of a submission key: a retried delivery gets this lead back instead of a second one."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    key = models.CharField(max_length=300)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE)
    first_intake_record = models.ForeignKey(IntakeRecord, on_delete=models.SET_NULL, null=True)
    first_outcome = models.CharField(max_length=10)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_key_unique")]

    def __str__(self):
        return self.key


class Inquiry(models.Model):
    """One submission that reached a lead; a returning borrower adds an inquiry, not a second lead."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="inquiries")
    source = models.ForeignKey(LeadSource, on_delete=models.SET_NULL, null=True, blank=True)
    intake_record = models.ForeignKey(IntakeRecord, on_delete=models.SET_NULL, null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    match_reason = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    utm = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "inquiries"

    def __str__(self):
        return f"Inquiry {self.pk} on lead {self.lead_id}"


class Consent(models.Model):
    """Proof of consent (or its revocation) for one channel, kept as history: newest row wins."""

    class ContactChannel(models.TextChoices):
        SMS = "sms", "Text messages"
        EMAIL = "email", "Email"
        CALLS = "calls", "Calls"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    is_granted = models.BooleanField()
    # The number or email address this consent is for (a new number on the lead has none until given).
    address = models.CharField(max_length=320, blank=True)
    disclosure_text = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    page_url = models.URLField(max_length=1000, blank=True)
    trusted_form_url = models.URLField(max_length=500, blank=True)
    leadid_token = models.CharField(max_length=100, blank=True)
    inquiry = models.ForeignKey(Inquiry, on_delete=models.SET_NULL, null=True, blank=True)
    how = models.CharField(
        max_length=200, blank=True, help_text="Where it came from: web form, STOP reply, ..."
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["lead", "channel", "-recorded_at"], name="consent_lead_channel")]

    def __str__(self):
        return f"{self.channel} {'granted' if self.is_granted else 'revoked'} at {self.recorded_at:%Y-%m-%d %H:%M}"


class LeadScore(models.Model):
    """Every score a lead has had, with its reasons: the history behind lead.score."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="scores")
    points = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=10)
    reasons = models.JSONField(default=list)
    trigger = models.CharField(max_length=40)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self):
        return f"{self.points} ({self.tier})"


class PossibleDuplicate(models.Model):
    """Two leads that may be one person, with no verified identity in common (name and ZIP, or name and a
    similar email): never merged automatically; a person merges them or keeps them apart."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for review"
        MERGED = "merged", "Merged"
        SEPARATE = "separate", "Kept separate"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="possible_duplicates")
    existing_lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="possible_duplicates_of")
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "existing_lead"], name="possible_duplicate_pair_once")
        ]
        indexes = [models.Index(fields=["organisation", "status", "-created_at"], name="possible_dup_queue")]

    def __str__(self):
        return f"Lead {self.lead_id} may be lead {self.existing_lead_id} ({self.reason})"


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
        db_table = "pipeline_timelineevent"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="timeline_lead_recent")]

    def __str__(self):
        return self.summary
