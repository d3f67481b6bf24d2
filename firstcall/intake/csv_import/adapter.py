"""One spreadsheet row (stored as JSON on its intake record) plus its import's mapping to a LeadSubmission.

Parse only: capture() validates. The mapping is read from the import when the record is parsed, so after an
admin fixes the mapping, replaying a rejected row uses the fixed one."""

from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.csv_import.mapping import TARGET_LABELS
from firstcall.leads.models import IntakeRecord
from firstcall.leads.submission import LeadSubmission
from firstcall.lib.jsonsafe import UnsafeJson, loads_object

MAX_UNKNOWN_FIELDS = 50


def submission_from_row(row: dict[str, str], mapping: dict[str, str]) -> LeadSubmission:
    submission = LeadSubmission()
    unknown: dict[str, str] = {}
    full_name = ""
    for column, raw in row.items():
        value = str(raw if raw is not None else "").strip()
        target = mapping.get(column)
        if not target:
            if value and len(unknown) < MAX_UNKNOWN_FIELDS:
                unknown[str(column)[:100]] = value[:500]
            continue
        if value == "":
            continue
        if target == "full_name":
            full_name = value
        elif target == "other_phone":
            submission.other_phones.append(value)
        elif target.startswith("utm_"):
            submission.utm[target] = value
        elif target in TARGET_LABELS:
            setattr(submission, target, value)
    if full_name and not (submission.first_name or submission.last_name):
        submission.last_name = full_name  # normalise() splits "Ana Lopez" into first and last
    submission.unknown_fields = unknown
    # A spreadsheet cell is not proof that the borrower agreed to texts or calls: no consent is recorded.
    submission.consent = None
    return submission


def read_row_body(record: IntakeRecord) -> tuple[int, int, dict[str, str]]:
    """(import id, row number, row) from the record's body."""
    try:
        body = loads_object(record.body)
    except UnsafeJson as error:
        raise IntakeParseError(f"The stored row is not readable: {error}") from error
    import_id, row_number, row = body.get("import_id"), body.get("row_number"), body.get("row")
    if not isinstance(import_id, int) or not isinstance(row_number, int) or not isinstance(row, dict):
        raise IntakeParseError("The stored row lacks its import id, row number or values.")
    return (
        import_id,
        row_number,
        {str(key): "" if value is None else str(value) for key, value in row.items()},
    )


def submission_from_record(record: IntakeRecord) -> LeadSubmission:
    from firstcall.intake.models import CsvImport

    import_id, _, row = read_row_body(record)
    csv_import = CsvImport.objects.filter(pk=import_id, source_id=record.source_id).only("mapping").first()
    if csv_import is None:
        raise IntakeParseError(f"CSV import #{import_id} no longer exists, so its column mapping is unknown.")
    return submission_from_row(row, csv_import.mapping)
