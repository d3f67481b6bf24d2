import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.text import slugify


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    postal_address = models.CharField(max_length=300, blank=True)
    # Shown on the public form: the company's NMLS ID (SAFE Act, 12 CFR 1008 / state rules require it on
    # advertising) and the lender's privacy policy (GLBA privacy rule, 12 CFR 1016).
    nmls_id = models.CharField("Company NMLS ID", max_length=20, blank=True)
    privacy_policy_url = models.URLField("Privacy policy address", blank=True)
    help_text = models.CharField(
        max_length=300,
        default="Reply STOP to opt out. Msg & data rates may apply. For help call us.",
    )
    # What happens when a closed or lost lead's borrower comes back: reopen it, or link a new lead to it.
    reopen_closed_leads = models.BooleanField(default=True)
    sla_minutes = models.PositiveIntegerField(default=5)
    default_consent_text = models.TextField(
        default=(
            "By checking this box, I agree that {org} and its loan officers may contact me about my mortgage "
            "inquiry at the number and email I provided, including by text message and calls made with "
            "automated technology. Consent is not a condition of any purchase. Msg & data rates may apply. "
            "Reply STOP to opt out."
        )
    )
    scoring_config = models.JSONField(default=dict, blank=True)
    # {"mon": ["09:00", "18:00"], ...} in the organisation's time zone; a missing day is closed.
    business_hours = models.JSONField(default=dict, blank=True)
    holiday_country = models.CharField(max_length=2, default="US", blank=True)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    # Breach ladder: [{"after_minutes": 0, "action": "realert"}, {"after_minutes": 10, "action": "reassign"},
    # {"after_minutes": 20, "action": "notify_manager"}], minutes counted from respond_by.
    sla_escalation = models.JSONField(default=list, blank=True)
    first_touch_enabled = models.BooleanField(default=True)
    sms_from_number = models.CharField(max_length=20, blank=True)
    # Admins and managers always need two-factor sign-in; this extends it to every role in the organisation.
    require_two_factor_for_everyone = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:80] or secrets.token_hex(4)
        super().save(*args, **kwargs)

    def consent_text(self) -> str:
        return self.default_consent_text.replace("{org}", self.name)


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_in_org")
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MANAGER = "manager", "Manager"
        LOAN_OFFICER = "loan_officer", "Loan officer"
        PROCESSOR = "processor", "Processor"
        PARTNER = "partner", "Referral partner"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LOAN_OFFICER)
    teams = models.ManyToManyField(Team, related_name="members", blank=True)
    managed_teams = models.ManyToManyField(Team, related_name="managers", blank=True)
    nmls_id = models.CharField("NMLS ID", max_length=20, blank=True)
    licensed_states = models.JSONField(default=list, blank=True)
    loan_types = models.JSONField(default=list, blank=True, help_text="Empty means all loan types.")
    languages = models.JSONField(default=list, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    photo_url = models.URLField(blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    # {"mon": ["09:00", "18:00"], ...}; a missing day means not working that day. Empty means always available.
    working_hours = models.JSONField(default=dict, blank=True)
    is_out_of_office = models.BooleanField(default=False)
    daily_lead_cap = models.PositiveIntegerField(null=True, blank=True)
    open_lead_capacity = models.PositiveIntegerField(null=True, blank=True)
    routing_weight = models.PositiveIntegerField(default=1)
    accepts_leads = models.BooleanField(default=True)
    # For referral partners: the loan officer their referrals should go to when eligible.
    preferred_loan_officer = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referring_partners"
    )

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_loan_officer(self) -> bool:
        return self.role == self.Role.LOAN_OFFICER

    @property
    def is_org_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser


class ApiKey(models.Model):
    """A secret for machine callers. Only a hash is stored; the key is shown once, at creation."""

    SCOPE_LEADS_CREATE = "leads:create"
    SCOPE_LEADS_READ = "leads:read"
    SCOPE_LEADS_WRITE = "leads:write"
    SCOPE_ASSESSMENTS = "assessments"
    SCOPE_CADENCES = "cadences"  # build and edit cadences (they write to borrowers), not only enrol leads
    KNOWN_SCOPES = {
        SCOPE_LEADS_CREATE,
        SCOPE_LEADS_READ,
        SCOPE_LEADS_WRITE,
        SCOPE_ASSESSMENTS,
        SCOPE_CADENCES,
    }

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    lead_source = models.ForeignKey(
        "leads.LeadSource", on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or (
            scope == self.SCOPE_LEADS_READ and self.SCOPE_LEADS_WRITE in self.scopes
        )

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """Append-only security log: sign-ins, exports, permission changes, API key use."""

    # SET_NULL, not CASCADE: deleting an organisation or a person must not erase the security history.
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The /audit/ page (one organisation, newest first) and lockout counts (one action in a window).
            models.Index(fields=["organisation", "-created_at"], name="audit_org_recent"),
            models.Index(fields=["action", "-created_at"], name="audit_action_recent"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only")


class Notification(models.Model):
    """An in-app alert for one person (new lead, claim offer, SLA breach), shown live on their screens."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.title


class TwoFactorDevice(models.Model):
    """A person's TOTP authenticator (RFC 6238). The secret is stored encrypted; each code works once."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor_device")
    secret_encrypted = models.TextField()
    # Null until the person proves the authenticator works by entering a code from it.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second time step accepted: a code for this step or an earlier one is refused (no replay).
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Authenticator of {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator. Only a SHA-256 hash of the code is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"], name="recovery_code_lookup")]

    def __str__(self):
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"
