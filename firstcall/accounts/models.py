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
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_in_org")]

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
    KNOWN_SCOPES = {SCOPE_LEADS_CREATE, SCOPE_LEADS_READ, SCOPE_LEADS_WRITE, SCOPE_ASSESSMENTS}

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
        return scope in self.scopes or (scope == self.SCOPE_LEADS_READ and self.SCOPE_LEADS_WRITE in self.scopes)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """Append-only security log: sign-ins, exports, permission changes, API key use."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only")
