"""Stored compliance facts: every gate decision, every contact attempt the caps count, the internal and National
do-not-call lists and their imports, and the organisation's compliance profile (company NMLS ID)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TouchDecision(models.Model):
    """One gate decision for one text, email or call: what, when, the rules and their versions, the outcome.
    Never edited; a held message that is checked again gets a new row."""

    class Outcome(models.TextChoices):
        ALLOW = "allow", "Allowed"
        HOLD = "hold", "Held"
        REFUSE = "refuse", "Refused"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="touch_decisions"
    )
    channel = models.CharField(max_length=10)  # sms, email, call
    kind = models.CharField(max_length=20)  # marketing, transactional, manual
    address = models.CharField(max_length=320, blank=True)
    # What was decided about: an outbound message or a call task (ids, the apps above own the rows).
    subject_type = models.CharField(max_length=20, blank=True)  # message, call_task, task, click_to_call
    subject_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    until = models.DateTimeField(null=True, blank=True)
    reasons = models.JSONField(default=list)  # [{rule, citation, detail, outcome}]
    rule_versions = models.JSONField(default=dict)
    summary = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-decided_at"], name="touchdecision_lead_recent"),
            models.Index(fields=["subject_type", "subject_id"], name="touchdecision_subject"),
        ]

    def __str__(self):
        return f"{self.channel} {self.kind} {self.outcome} at {self.decided_at:%Y-%m-%d %H:%M}"


class ContactAttempt(models.Model):
    """A text sent or a call placed to a number: what the FL/OK/MD 3-per-24-hours cap counts (calls and texts
    together)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10)  # sms, call
    address = models.CharField(max_length=32)
    kind = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    # What the attempt was: a cadence call task counts from when it is created and, once the call is made, at
    # the time of the call (one attempt per task, never two).
    subject_type = models.CharField(max_length=20, blank=True)  # call_task
    subject_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "address", "-at"], name="attempt_address_recent")]

    def __str__(self):
        return f"{self.channel} to {self.address[-4:]} at {self.at:%Y-%m-%d %H:%M}"


class InternalDoNotCall(models.Model):
    """The organisation's own do-not-call list: a number (organisation-wide) or a whole lead (every number it
    has). 47 CFR 64.1200(d)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    phone = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "phone"], name="internal_dnc_phone")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phone="") | models.Q(lead__isnull=False),
                name="internal_dnc_phone_or_lead",
            )
        ]

    def __str__(self):
        return f"do not call {'lead ' + str(self.lead_id) if self.lead_id else self.phone[-4:]}"


class NationalDncImport(models.Model):
    """One file from the National Do Not Call Registry for the organisation's area codes."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    area_codes = models.JSONField(default=list)
    is_full = models.BooleanField(
        default=True
    )  # a full list replaces the area codes' numbers; else a change list
    numbers_added = models.PositiveIntegerField(default=0)
    numbers_removed = models.PositiveIntegerField(default=0)
    rejected_lines = models.JSONField(default=list)  # [(line number, why)], at most 100
    leads_flagged = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return f"National DNC import {self.imported_at:%Y-%m-%d}"


class NationalDncNumber(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=16)  # E.164
    area_code = models.CharField(max_length=3)
    source = models.ForeignKey(NationalDncImport, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "phone"], name="national_dnc_unique")]
        indexes = [models.Index(fields=["organisation", "area_code"], name="national_dnc_area")]

    def __str__(self):
        return f"National DNC …{self.phone[-4:]}"


class ComplianceProfile(models.Model):
    """Per organisation: the company's NMLS ID (SAFE Act) and whether leads need a consent certificate before
    any automatic text."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="compliance_profile"
    )
    company_nmls_id = models.CharField("Company NMLS ID", max_length=20, blank=True)
    national_dnc_scrubbed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"compliance profile of organisation {self.organisation_id}"


class PartnerSharingConsent(models.Model):
    """The borrower's authorisation to share a kind of information with their referral partner."""

    class Field(models.TextChoices):
        CREDIT = "credit", "Credit"
        INCOME = "income", "Income"
        LOST_REASON = "lost_reason", "Why the loan was lost"

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=20, choices=Field.choices)
    is_granted = models.BooleanField()
    how = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{self.field} {'shared' if self.is_granted else 'not shared'}"


class SourceConsentRule(models.Model):
    """A lead source whose leads must carry a consent certificate (TrustedForm or Jornaya LeadiD) before any
    automatic text: leads without one are captured, but only a person contacts them."""

    source = models.OneToOneField("leads.LeadSource", on_delete=models.CASCADE, related_name="consent_rule")
    requires_consent_token = models.BooleanField(default=False)

    def __str__(self):
        return f"consent rule of source {self.source_id}"
