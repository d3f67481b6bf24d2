"""The JSON API's body format to a LeadSubmission. Unknown fields are kept on the intake record, not rejected."""

from firstcall.leads.submission import ConsentInput, LeadSubmission, parse_bool

DIRECT_FIELDS = {
    "first_name", "last_name", "email", "phone", "zip", "state", "purpose", "loan_type", "property_type",
    "property_use", "purchase_price", "property_value", "down_payment", "loan_balance", "credit_score",
    "credit_band", "timeframe", "first_time_buyer", "veteran", "annual_income", "monthly_debts", "employment_type",
    "has_real_estate_agent", "notes", "external_id", "gclid", "campaign", "preferred_language",
    "contact_preference", "referral_partner_email", "loan_amount", "down_payment_percent", "cash_out_amount",
    "current_rate", "rate_type", "loan_term", "city", "street_address",
}  # fmt: skip
ALIASES = {
    "zip_code": "zip", "postal_code": "zip", "mobile": "phone", "phone_number": "phone", "language": "preferred_language",
    "estimated_value": "property_value", "current_balance": "loan_balance", "comments": "notes", "message": "notes",
    "address": "street_address", "loan_term_years": "loan_term",
}  # fmt: skip
OTHER_KNOWN = {"utm", "consent", "name", "other_phones", "is_test"}


def submission_from_json(data: dict, *, client_ip: str | None = None, user_agent: str = "") -> LeadSubmission:
    submission = LeadSubmission()
    unknown = {}
    for key, value in data.items():
        name = ALIASES.get(key, key)
        if name in DIRECT_FIELDS:
            setattr(submission, name, value)
        elif key not in OTHER_KNOWN:
            unknown[str(key)[:100]] = value
    if data.get("name") and not (data.get("first_name") or data.get("last_name")):
        submission.last_name = data["name"]  # normalise() splits "Ana Lopez" into first and last
    if isinstance(data.get("other_phones"), list):
        submission.other_phones = data["other_phones"][:5]
    utm = data.get("utm")
    submission.utm = utm if isinstance(utm, dict) else ({} if utm is None else utm)
    submission.is_test = bool(parse_bool_safe(data.get("is_test")))
    consent = data.get("consent")
    if isinstance(consent, dict):
        submission.consent = consent_from_dict(consent, client_ip=client_ip, user_agent=user_agent)
    elif consent is not None:
        unknown["consent"] = consent
    submission.unknown_fields = unknown
    return submission


def consent_from_dict(consent: dict, *, client_ip=None, user_agent: str = "") -> ConsentInput:
    return ConsentInput(
        sms=bool(parse_bool_safe(consent.get("sms"))),
        email=bool(parse_bool_safe(consent.get("email"))),
        calls=bool(parse_bool_safe(consent.get("calls"))),
        text=str(consent.get("text") or "")[:5000],
        ip=_valid_ip(consent.get("ip")) or client_ip,
        user_agent=str(consent.get("user_agent") or user_agent or "")[:500],
        page_url=str(consent.get("page_url") or "")[:1000],
        trusted_form_url=str(consent.get("trusted_form_url") or "")[:500],
        leadid_token=str(consent.get("leadid_token") or "")[:100],
    )


def parse_bool_safe(value) -> bool | None:
    try:
        return parse_bool(value)
    except ValueError:
        return None


def _valid_ip(value) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def submission_from_record(record) -> LeadSubmission:
    from firstcall.intake.adapters import IntakeParseError
    from firstcall.lib.jsonsafe import UnsafeJson, loads_object

    try:
        data = loads_object(record.body)
    except UnsafeJson as error:
        raise IntakeParseError(str(error)) from error
    return submission_from_json(
        data, client_ip=record.remote_ip, user_agent=record.headers.get("user-agent", "")
    )
