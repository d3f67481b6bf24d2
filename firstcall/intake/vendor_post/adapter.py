"""Vendor posts: a form, JSON or XML body mapped by the source's field mapping into a LeadSubmission."""

from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.mapping import MappingError, MappingResult, map_payload
from firstcall.intake.vendor_post.parsing import PayloadError, parse_payload
from firstcall.leads.models import IntakeRecord
from firstcall.leads.submission import LeadSubmission


def map_body(body: bytes | str, content_type: str, mapping: dict | None) -> MappingResult:
    """Parse and map one body. IntakeParseError says what is wrong with the body or the mapping."""
    try:
        data = parse_payload(body, content_type)
    except PayloadError as error:
        raise IntakeParseError(str(error)) from error
    try:
        return map_payload(data, mapping or {})
    except MappingError as error:
        raise IntakeParseError(f"The source's field mapping is invalid: {error}") from error


def submission_from_record(record: IntakeRecord, mapping: dict | None = None) -> LeadSubmission:
    """Rebuild the submission from a stored record with the source's current mapping (or a draft, for a
    preview)."""
    if mapping is None:
        mapping = record.source.field_mapping if record.source else {}
    return map_body(record.body, record.content_type, mapping).submission
