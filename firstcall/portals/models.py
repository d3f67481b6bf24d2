"""Sign-in links for the borrower and partner portals. Only a hash of each link's secret is stored."""

from django.conf import settings
from django.db import models


class SignInLink(models.Model):
    class Party(models.TextChoices):
        BORROWER = "borrower", "Borrower"
        PARTNER = "partner", "Referral partner"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    # Exactly one of these: the borrower's lead, or the partner's user account.
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(party="borrower", lead__isnull=False, user__isnull=True)
                    | models.Q(party="partner", lead__isnull=True, user__isnull=False)
                ),
                name="portal_link_one_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} sign-in link {self.pk}"


class Branding(models.Model):
    """How the organisation looks on its portals and letters. Without a row, the organisation's name and the
    default colour are used (portals.branding.for_organisation)."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(max_length=120, blank=True)
    colour = models.CharField(max_length=7, default="#112233")  # "#rrggbb", checked by portals.branding
    logo = models.BinaryField(blank=True, default=b"")  # PNG or JPEG, judged from its content
    logo_type = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Branding of organisation {self.organisation_id}"


class PartnerReferral(models.Model):
    """A borrower a referral partner sent through the partner portal, and the lead it became (through the one
    intake door: firstcall/flows/lead_arrives.py)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Named relations (not "+"): a lead's privacy export follows them (leads.privacy.export_lead).
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="partner_referrals")
    intake_record = models.ForeignKey(
        "leads.IntakeRecord", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    # The partner's word that the borrower expects a call: a note for the loan officer, never consent (only the
    # borrower can give prior express written consent, 47 CFR 64.1200(f)(9); REFERENCE.md 4.1).
    borrower_expects_call = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="portal_referral_partner")]

    def __str__(self) -> str:
        return f"Referral {self.pk} of lead {self.lead_id}"


class SharingAuthorisation(models.Model):
    """The borrower's permission for one referral partner to follow the loan's milestones, kept as history like
    consent (newest row wins), with its proof: the words agreed to, when, from where, and how."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="partner_sharing")
    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_granted = models.BooleanField()
    disclosure_text = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    page_url = models.URLField(max_length=1000, blank=True)
    how = models.CharField(max_length=200)
    # A loan officer who recorded (or withdrew) it for the borrower; empty when the borrower did it themselves.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["lead", "partner", "-recorded_at"], name="portal_sharing_latest")]

    def __str__(self) -> str:
        return f"Sharing {'granted' if self.is_granted else 'withdrawn'} for lead {self.lead_id}"


class UnderContract(models.Model):
    """The borrower has a signed purchase contract: a milestone only the loan officer records."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="+")
    contract_date = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Lead {self.lead_id} under contract since {self.contract_date}"


class PreApprovalLetter(models.Model):
    """A pre-approval letter as issued: every figure and name printed on it is kept, so the PDF can be drawn
    again exactly as it was, whatever changes later."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="preapproval_letters")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    borrower_name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    program = models.CharField(max_length=40)
    property_address = models.CharField(max_length=300, blank=True)  # blank prints "TBD"
    expires_on = models.DateField()
    officer_name = models.CharField(max_length=200)
    officer_nmls_id = models.CharField(max_length=20)
    officer_phone = models.CharField(max_length=20, blank=True)
    company_name = models.CharField(max_length=200)
    company_nmls_id = models.CharField(max_length=20)
    company_address = models.CharField(max_length=300, blank=True)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A copy at a lower price, asked for by a partner or the loan officer: the letter as the officer issued it
    # (its amount is the approved ceiling), and who asked. Empty on a letter the officer issued.
    original = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="lower_price_copies"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Pre-approval letter {self.pk}"


class PartnerAlertPreference(models.Model):
    """How a referral partner wants to hear that a borrower who shares with them reached a milestone. Without a
    row, or with both off, the partner is not told (they opt in on their portal)."""

    partner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    by_text = models.BooleanField(default=False)
    by_email = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Milestone alerts of partner {self.partner_id}"


class PartnerMilestoneNotice(models.Model):
    """A partner was told that a borrower reached a milestone: at most once per (borrower, partner, milestone)."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="partner_milestone_notices")
    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    milestone = models.CharField(max_length=30)  # portals.partner milestone key
    notified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "partner", "milestone"], name="portal_milestone_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"Partner {self.partner_id} told of {self.milestone} on lead {self.lead_id}"
