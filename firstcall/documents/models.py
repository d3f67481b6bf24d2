"""A borrower's document, the fields read from it with their provenance, and every review decision."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Document(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Reading"
        NEEDS_REVIEW = "needs_review", "Needs review"
        REVIEWED = "reviewed", "Reviewed"
        FAILED = "failed", "Could not be read"
        NEEDS_PASSWORD = "needs_password", "Needs password"

    class Source(models.TextChoices):
        WEB = "web", "Uploaded on the lead page"
        API = "api", "API"
        BORROWER_LINK = "borrower_link", "Borrower's upload link"
        DEMO = "demo", "Demo"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    file_name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=50, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    key_id = models.CharField(max_length=16)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    password_encrypted = models.TextField(blank=True)  # held only until the next read, then cleared
    document_type = models.CharField(max_length=30, blank=True)
    type_confidence = models.FloatField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    page_sizes = models.JSONField(default=list, blank=True)  # [[width, height] in points] per page
    page_types = models.JSONField(default=list, blank=True)
    page_methods = models.JSONField(default=list, blank=True)
    checks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-created_at"], name="document_lead_recent"),
            models.Index(fields=["lead", "sha256"], name="document_lead_sha256"),
            models.Index(fields=["status", "created_at"], name="document_status_age"),
        ]

    def __str__(self):
        return f"{self.get_document_type_display_text()} for lead {self.lead_id} ({self.status})"

    def get_document_type_display_text(self) -> str:
        return TYPE_LABELS.get(self.document_type, "Document")

    @property
    def is_settled(self) -> bool:
        return self.status in (
            self.Status.NEEDS_REVIEW,
            self.Status.REVIEWED,
            self.Status.FAILED,
            self.Status.NEEDS_PASSWORD,
        )


TYPE_LABELS = {
    "w2": "W-2",
    "paystub": "Pay stub",
    "bank_statement": "Bank statement",
    "form_1040": "Form 1040",
    "1099_nec": "1099-NEC",
    "1099_misc": "1099-MISC",
    "1099_int": "1099-INT",
    "1099_div": "1099-DIV",
    "mortgage_statement": "Mortgage statement",
    "photo_id": "Photo ID",
    "other": "Other document",
}


class ExtractedField(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "To review"
        ACCEPTED = "accepted", "Accepted"
        CORRECTED = "corrected", "Corrected"
        REJECTED = "rejected", "Rejected"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=60)
    value = models.JSONField(null=True)  # as read: money as decimal strings, dates ISO
    confidence = models.FloatField()
    page = models.PositiveIntegerField(null=True, blank=True)
    bbox = models.JSONField(null=True, blank=True)  # [x0, top, x1, bottom] in points from the top-left
    method = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    corrected_value = models.JSONField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "id"]
        constraints = [models.UniqueConstraint(fields=["document", "name"], name="document_field_once")]

    def __str__(self):
        return f"{self.name} on document {self.document_id}"

    @property
    def final_value(self):
        if self.status == self.Status.CORRECTED:
            return self.corrected_value
        if self.status == self.Status.ACCEPTED:
            return self.value
        return None


class FieldReview(models.Model):
    """Every decision on a field, kept: who accepted, corrected (from what to what) or rejected it, and when."""

    field = models.ForeignKey(ExtractedField, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=20, choices=ExtractedField.Status.choices)
    previous_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} {self.field_id}"
