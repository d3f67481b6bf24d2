"""Meta Lead Ads: a leadgen notification (no personal data) plus the lead fetched from the Graph API.

Notification: {"object": "page", "entry": [{"id", "time", "changes": [{"field": "leadgen", "value":
{"leadgen_id", "form_id", "ad_id", "adgroup_id", "page_id", "created_time"}}]}]}. Lead: {"id",
"created_time", "ad_id", "form_id", "campaign_id", "is_organic", "platform", "field_data": [{"name",
"values": [...]}]}.
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen ;
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving)

Source configuration: LeadSource.secret is the app secret (signs the notifications), LeadSource.verify_token
the webhook verify token, and field_mapping["page_access_token"] the page access token used to read leads.
Standard questions (full_name, first_name, last_name, email, phone_number, zip_code/post_code, state, ...)
map by default; custom questions by their field_data name in field_mapping["fields"].
"""

from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.mapping import DEFAULT_FIELDS, MappingError, MappingResult, map_payload
from firstcall.intake.meta.graph import GraphError, fetch_lead
from firstcall.leads.models import IntakeRecord
from firstcall.leads.submission import LeadSubmission
from firstcall.lib.jsonsafe import UnsafeJson, loads_object

TOKEN_KEY = "page_access_token"
META_DEFAULTS = {
    **DEFAULT_FIELDS,
    "phone": {"paths": ["phone_number", "work_phone_number", *DEFAULT_FIELDS["phone"]["paths"]]},
    "zip": {"paths": ["zip_code", "post_code", *DEFAULT_FIELDS["zip"]["paths"]], "transform": "zip5"},
}
PLATFORMS = {"fb": "facebook", "ig": "instagram", "msg": "messenger", "wa": "whatsapp"}


def leadgen_changes(notification: dict) -> list[dict]:
    """Every leadgen change in a notification, in order."""
    changes = []
    entries = notification.get("entry") if isinstance(notification, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            continue
        for change in entry["changes"]:
            if (
                isinstance(change, dict)
                and change.get("field") == "leadgen"
                and isinstance(change.get("value"), dict)
            ):
                changes.append(change)
    return changes


def change_from_body(body: bytes | str) -> dict:
    """The single leadgen change a record stands for: a notification with one lead, or a split-off change."""
    try:
        data = loads_object(body)
    except (UnsafeJson, UnicodeDecodeError) as error:
        raise IntakeParseError(
            str(error) if isinstance(error, UnsafeJson) else "Body is not UTF-8 JSON."
        ) from error
    if data.get("field") == "leadgen" and isinstance(data.get("value"), dict):
        return data
    changes = leadgen_changes(data)
    if not changes:
        raise IntakeParseError("The notification holds no leadgen change.")
    if len(changes) > 1:
        raise IntakeParseError(
            f"The notification holds {len(changes)} leads; each was given its own intake record to replay."
        )
    return changes[0]


def field_data_as_dict(field_data) -> dict:
    """[{"name": "email", "values": ["a@b.c"]}] -> {"email": "a@b.c"}; several answers stay a list."""
    flat: dict = {}
    for item in field_data if isinstance(field_data, list) else []:
        if isinstance(item, dict) and item.get("name"):
            name = str(item["name"])[:200]
            values = item.get("values")
            if isinstance(values, list) and len(values) == 1:
                values = values[0]  # the usual case: one answer
            flat.setdefault(name, values)
    return flat


def _text(value) -> str:
    return "" if value is None or isinstance(value, bool) else str(value).strip()[:200]


def map_lead(lead: dict, change_value: dict, mapping: dict | None) -> MappingResult:
    try:
        result = map_payload(
            field_data_as_dict(lead.get("field_data")), mapping or {}, defaults=META_DEFAULTS
        )
    except MappingError as error:
        raise IntakeParseError(f"The source's field mapping is invalid: {error}") from error
    submission = result.submission
    submission.external_id = _text(change_value.get("leadgen_id")) or _text(lead.get("id"))
    platform = _text(lead.get("platform")).lower()
    attribution = {
        "utm_source": PLATFORMS.get(platform, platform or "facebook"),
        "utm_medium": "organic" if lead.get("is_organic") is True else "paid_social",
        "utm_campaign": _text(lead.get("campaign_id")),
        "utm_content": _text(lead.get("ad_id") or change_value.get("ad_id")),
        "utm_form_id": _text(lead.get("form_id") or change_value.get("form_id")),
    }
    submission.utm = {**{k: v for k, v in attribution.items() if v}, **submission.utm}
    return result


def submission_from_record(record: IntakeRecord, mapping: dict | None = None) -> LeadSubmission:
    """Fetch the lead behind the record's leadgen id and map it. Outages raise
    IntakeParseError(retryable=True)."""
    if mapping is None:
        mapping = record.source.field_mapping if record.source else {}
    change = change_from_body(record.body)
    token = mapping.get(TOKEN_KEY) if isinstance(mapping, dict) else None
    try:
        lead = fetch_lead(_text(change["value"].get("leadgen_id")), token if isinstance(token, str) else "")
    except GraphError as error:
        raise IntakeParseError(error.message, retryable=error.retryable) from error
    return map_lead(lead, change["value"], mapping).submission


def submission_from_sample(sample: str, mapping: dict | None) -> LeadSubmission:
    """A pasted Graph API lead (the JSON of GET /{leadgen_id}) mapped as a fetched one would be, for the mapping
    editor's test with a sample."""
    try:
        lead = loads_object(sample)
    except (UnsafeJson, UnicodeDecodeError) as error:
        raise IntakeParseError(f"The sample is not a Graph API lead (JSON): {error}") from error
    return map_lead(lead, {}, mapping).submission
