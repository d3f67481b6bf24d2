"""The hosted web form's urlencoded body to a LeadSubmission. Parse only: capture() validates and decides."""

from urllib.parse import urlsplit

from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict

from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.web_form.fields import (
    ATTRIBUTION_FIELDS,
    CONSENT_FIELD,
    CONSENT_TEXT_FIELD,
    CONTROL_FIELDS,
    LEAD_FIELD_NAMES,
    PAGE_URL_FIELD,
    SECTION_OF_FIELD,
    TOKEN_FIELD,
)
from firstcall.intake.web_form.tokens import disclosure_hash, read_form_token
from firstcall.leads.models import IntakeRecord
from firstcall.leads.submission import PURPOSE_ALIASES, ConsentInput, LeadSubmission

TICKED = {"yes", "on", "1", "true"}
MAX_UNKNOWN_FIELDS = 30


def submission_from_record(record: IntakeRecord) -> LeadSubmission:
    """Rebuild the submission from the stored body, exactly as the live request was parsed (for replay)."""
    if "x-www-form-urlencoded" not in record.content_type.lower():
        raise IntakeParseError(
            "The form posts application/x-www-form-urlencoded; "
            f"this request was {record.content_type or 'untyped'}."
        )
    try:
        data = QueryDict(record.body)
    except TooManyFieldsSent as error:
        raise IntakeParseError("The form post has too many fields to be a real form.") from error
    return submission_from_form(
        data,
        source_id=record.source_id,
        ip=record.remote_ip,
        user_agent=record.headers.get("user-agent", ""),
        referer=record.headers.get("referer", ""),
    )


def submission_from_form(
    data: QueryDict, *, source_id: int | None, ip: str | None, user_agent: str, referer: str
) -> LeadSubmission:
    submission = LeadSubmission()
    unknown: dict[str, str] = {}
    purpose = PURPOSE_ALIASES.get(data.get("purpose", "").strip().lower(), "")
    for name in LEAD_FIELD_NAMES:
        value = data.get(name, "")
        if value == "":
            continue
        section = SECTION_OF_FIELD[name]
        if section.for_purposes and purpose and purpose not in section.for_purposes:
            # Without the script both conditional sections show; keep an answer that does not fit the chosen
            # purpose (a refinance with a purchase price) on the record rather than on the lead.
            unknown[name] = _storable(value)[:200]
            continue
        setattr(submission, name, value)
    submission.utm = {
        name: data[name] for name in ATTRIBUTION_FIELDS if name.startswith("utm_") and data.get(name)
    }
    submission.gclid = data.get("gclid") or None
    for name in data:
        if name not in LEAD_FIELD_NAMES and name not in CONTROL_FIELDS and name not in ATTRIBUTION_FIELDS:
            if len(unknown) < MAX_UNKNOWN_FIELDS:
                unknown[_storable(name)[:100]] = _storable(data.get(name, ""))[:500]
    if data.get(CONSENT_FIELD, "").strip().lower() in TICKED:
        text = data.get(CONSENT_TEXT_FIELD, "")
        token = read_form_token(data.get(TOKEN_FIELD, ""), source_id=source_id, max_age=None)
        if token is not None and token.disclosure_hash == disclosure_hash(text):
            # One checkbox covers texts, calls and email, as its disclosure says.
            submission.consent = ConsentInput(
                sms=True,
                email=True,
                calls=True,
                text=text,
                ip=ip,
                user_agent=user_agent[:500],
                page_url=page_url_from(data.get(PAGE_URL_FIELD, ""), referer),
            )
        else:
            unknown[CONSENT_FIELD] = "ticked, but the disclosure text is not the one this form showed"
    submission.unknown_fields = unknown
    return submission


def page_url_from(posted: str, referer: str) -> str:
    """The page the borrower saw the disclosure on: as the form or embed script reported it, else Referer."""
    for candidate in (_storable(posted), referer):
        if is_web_url(candidate):
            return candidate[:1000]
    return ""


def _storable(text: str) -> str:
    # PostgreSQL refuses NUL in text and JSON; a bot's value must not cost the borrower the lead.
    return text.replace("\x00", "")


def is_web_url(value: str) -> bool:
    if not value or len(value) > 1000:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. a malformed IPv6 host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
