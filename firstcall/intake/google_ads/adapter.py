"""Google Ads lead form webhook: the documented WebhookLead JSON to a LeadSubmission.

Format (https://developers.google.com/google-ads/webhook/docs/implementation): lead_id, user_column_data[] of
{column_id, column_name, string_value}, api_version, form_id, campaign_id, adgroup_id, creative_id,
asset_group_id, google_key, is_test, gcl_id. Standard questions have fixed column ids (FULL_NAME, EMAIL,
PHONE_NUMBER, POSTAL_CODE, ...), which the default mapping reads; custom questions are mapped by the source's
field_mapping using their column_id or their column_name.
"""

from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.mapping import DEFAULT_FIELDS, MappingError, MappingResult, map_payload, storable_text
from firstcall.leads.models import IntakeRecord
from firstcall.leads.submission import LeadSubmission
from firstcall.lib.jsonsafe import UnsafeJson, loads_object

# Google's standard column ids beside the vendor defaults (matching ignores case and punctuation, so most
# standard ids, e.g. FIRST_NAME, EMAIL, PHONE_NUMBER, POSTAL_CODE, FULL_NAME, already match a default alias).
GOOGLE_DEFAULTS = {
    **DEFAULT_FIELDS,
    "phone": {"paths": ["PHONE_NUMBER", "WORK_PHONE", *DEFAULT_FIELDS["phone"]["paths"]]},
    "email": {"paths": ["EMAIL", "WORK_EMAIL", *DEFAULT_FIELDS["email"]["paths"]]},
    "zip": {"paths": ["POSTAL_CODE", *DEFAULT_FIELDS["zip"]["paths"]], "transform": "zip5"},
    "state": {"paths": ["REGION", *DEFAULT_FIELDS["state"]["paths"]]},
}
ENVELOPE_KEYS = {
    "lead_id", "user_column_data", "api_version", "form_id", "campaign_id", "adgroup_id", "creative_id",
    "asset_group_id", "google_key", "is_test", "gcl_id",
}  # fmt: skip


def parse_body(body: bytes | str) -> dict:
    try:
        data = loads_object(body)
    except (UnsafeJson, UnicodeDecodeError) as error:
        raise IntakeParseError(
            str(error) if isinstance(error, UnsafeJson) else "Body is not UTF-8 JSON."
        ) from error
    columns = data.get("user_column_data")
    if columns is not None and not isinstance(columns, list):
        raise IntakeParseError("user_column_data must be a list of columns.")
    return data


def columns_as_dict(columns: list) -> tuple[dict, list[tuple[str, str]]]:
    """{column_id: value, column_name: value}, so a mapping may name either; and each column's (id, name)."""
    flat: dict = {}
    pairs = []
    for column in columns or []:
        if not isinstance(column, dict):
            continue
        value = column.get("string_value")
        column_id = str(column.get("column_id") or "").strip()[:200]
        column_name = str(column.get("column_name") or "").strip()[:200]
        for key in (column_id, column_name):
            if key and key not in flat:
                flat[key] = value
        pairs.append((column_id, column_name))
    return flat, pairs


def _text(value) -> str:
    return "" if value is None or isinstance(value, bool) else str(value).strip()[:200]


def map_lead(data: dict, mapping: dict | None) -> MappingResult:
    flat, pairs = columns_as_dict(data.get("user_column_data") or [])
    try:
        result = map_payload(flat, mapping or {}, defaults=GOOGLE_DEFAULTS)
    except MappingError as error:
        raise IntakeParseError(f"The source's field mapping is invalid: {error}") from error
    submission = result.submission
    # A column read by its id has also been seen by its name: report each unused column once.
    unknown = dict(result.unknown_fields)
    for column_id, column_name in pairs:
        if not (column_id and column_name) or column_id == column_name:
            continue
        if column_id in unknown and column_name in unknown:
            unknown.pop(column_name)  # unused: keep it once, under its id
        else:
            unknown.pop(column_id, None)
            unknown.pop(column_name, None)
    for key, value in data.items():
        if key not in ENVELOPE_KEYS and len(unknown) < 100:
            shown = value if isinstance(value, int | bool) else storable_text(str(value)[:500])
            unknown[storable_text(str(key)[:100])] = shown
    submission.unknown_fields = unknown
    result.unknown_fields = unknown

    submission.external_id = _text(data.get("lead_id")) or submission.external_id
    submission.gclid = _text(data.get("gcl_id")) or submission.gclid
    submission.is_test = data.get("is_test") is True or submission.is_test
    attribution = {
        "utm_source": "google",
        "utm_medium": "lead_form",
        "utm_campaign": _text(data.get("campaign_id")),
        "utm_content": _text(data.get("creative_id")),
        "utm_adgroup_id": _text(data.get("adgroup_id")),
        "utm_form_id": _text(data.get("form_id")),
        "utm_asset_group_id": _text(data.get("asset_group_id")),
    }
    # What the mapping set explicitly wins over the envelope's ids.
    submission.utm = {**{k: v for k, v in attribution.items() if v}, **submission.utm}
    return result


def submission_from_record(record: IntakeRecord, mapping: dict | None = None) -> LeadSubmission:
    if mapping is None:
        mapping = record.source.field_mapping if record.source else {}
    return map_lead(parse_body(record.body), mapping).submission
