"""Intake-side state that is not a lead: spreadsheet imports and the rows they turned into intake records."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from firstcall.leads.fields import EncryptedJSONField


class CsvImport(models.Model):
    """One uploaded spreadsheet for one CSV lead source. The file itself is kept (as text) so that the import
    can run in the background, resume after a crash, and be replayed after its mapping is fixed."""

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for column mapping"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="csv_imports"
    )
    source = models.ForeignKey("leads.LeadSource", on_delete=models.CASCADE, related_name="csv_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # SHA-256 of the uploaded bytes: the same file uploaded again to the same source is the same import.
    sha256 = models.CharField(max_length=64)
    content = models.TextField(help_text="The decoded file, capped in size at upload")
    size_bytes = models.PositiveIntegerField(default=0)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list, blank=True, help_text="Column names, made unique")
    # {"<column name>": "<submission field>"}; columns not in it are kept as unknown fields.
    mapping = models.JSONField(default=dict, blank=True)
    # Raised each time the mapping is fixed, so rows rejected under an older mapping are retried once.
    mapping_version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MAPPING, db_index=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched after every row: a worker that stops touching it has died and another may take the import over.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # {"<row number>": "<ISO date>"}: the birth dates redacted from the kept file, encrypted, so each row's lead
    # keeps its date of birth like a vendor post's does.
    birth_dates = EncryptedJSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="csv_import_file_once_per_source")
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent_done(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class CsvImportRow(models.Model):
    """What one spreadsheet row became. Unique per row: a re-run or a second worker never imports it twice."""

    class Outcome(models.TextChoices):
        CREATED = "created", "New lead"
        MERGED = "merged", "Merged into existing lead"
        DUPLICATE = "duplicate", "Already imported"
        REJECTED = "rejected", "Rejected"

    csv_import = models.ForeignKey(CsvImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(help_text="As a spreadsheet numbers it: the header is row 1")
    intake_record = models.OneToOneField(
        "leads.IntakeRecord", on_delete=models.SET_NULL, null=True, blank=True, related_name="csv_import_row"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    mapping_version = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["csv_import", "row_number"], name="csv_import_row_once")
        ]
        indexes = [models.Index(fields=["csv_import", "outcome"], name="csv_import_row_outcome")]

    def __str__(self):
        return f"Row {self.row_number} of import {self.csv_import_id}: {self.outcome}"
