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
