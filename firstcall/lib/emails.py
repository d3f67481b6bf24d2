"""Email addresses: syntax check and normalisation, offline (no DNS lookups on the intake path)."""

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    pass


def normalise_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidEmail("Email is empty.")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(f"'{text[:60]}' is not a valid email address: {error}") from error
    # Domains are case-insensitive; local parts are in practice too, and matching needs one form.
    return result.normalized.lower()
