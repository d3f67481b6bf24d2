import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from firstcall.lib.crypto import decrypt_text, encrypt_text


def _key_material() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


class EncryptedJSONField(models.TextField):
    """JSON stored encrypted (borrowers' incomes, account numbers, birth dates): unreadable without the key."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return json.loads(decrypt_text(value, _key_material()))

    def to_python(self, value):
        if isinstance(value, dict | list):
            return value
        if value in (None, ""):
            return {}
        return json.loads(value)

    def get_prep_value(self, value):
        return encrypt_text(json.dumps(value or {}, sort_keys=True), _key_material())


class LoanApplication(models.Model):
    """What FirstCall knows of a lead's loan application beyond the lead's own fields: co-borrowers, employment,
    income items, assets, liabilities, declarations, the loan number in the LOS, and what the LOS reported back."""

    class Format(models.TextChoices):
        MISMO = "mismo", "MISMO 3.4"
        FNM = "fnm", "Fannie Mae 1003 3.2"
        FIRSTCALL = "firstcall", "FirstCall"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="loan_application")
    loan_number = models.CharField(max_length=60, blank=True, db_index=True)
    # integrations.application's shape as JSON (application.to_json), encrypted at rest.
    data = EncryptedJSONField(blank=True, default=dict)
    imported_from = models.CharField(max_length=10, choices=Format.choices, default=Format.FIRSTCALL)
    # XPaths (MISMO) or record ids (.fnm) of the last import that FirstCall could not place.
    unplaced = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    los_milestone = models.CharField(max_length=30, blank=True)
    los_milestone_at = models.DateTimeField(null=True, blank=True)
    funded_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    funded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "loan_number"],
                condition=~models.Q(loan_number=""),
                name="loan_application_number_unique",
            )
        ]

    def __str__(self):
        return f"Loan application for lead {self.lead_id}"
