"""The mapping editor's services: read a draft, preview it against the source's last payload, save it.

Preview and save work for every channel the mapping engine serves (vendor posts, Google Ads, Meta). A
preview never saves anything; for Meta it fetches the last lead from the Graph API, as a replay would.
"""

import copy
import json
from dataclasses import dataclass, field
from importlib import import_module

from django.db import transaction

from firstcall.accounts.services import record_audit
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.mapping import MappingError, compile_mapping, describe
from firstcall.leads.models import Channel, IntakeRecord, LeadSource
from firstcall.leads.submission import SubmissionInvalid, normalise

MAPPED_CHANNEL_ADAPTERS = {
    Channel.VENDOR_POST: "firstcall.intake.vendor_post.adapter",
    Channel.GOOGLE_ADS: "firstcall.intake.google_ads.adapter",
    Channel.META: "firstcall.intake.meta.adapter",
}
SECRET_MAPPING_KEYS = ("page_access_token",)
HIDDEN = "[hidden]"
MAX_MAPPING_CHARS = 100_000


def mapping_for_display(mapping: dict) -> str:
    """The mapping as pretty JSON with secrets (the Meta page token) hidden."""
    shown = copy.deepcopy(mapping) if isinstance(mapping, dict) else {}
    for key in SECRET_MAPPING_KEYS:
        if shown.get(key):
            shown[key] = HIDDEN
    return json.dumps(shown, indent=2, ensure_ascii=False)


def read_draft(text: str, source: LeadSource) -> tuple[dict | None, list[str]]:
    """Parse and check a draft. Hidden secrets are restored from the stored mapping. Returns (mapping,
    errors)."""
    if len(text) > MAX_MAPPING_CHARS:
        return None, [f"The mapping is longer than {MAX_MAPPING_CHARS} characters."]
    try:
        draft = json.loads(text or "{}")
    except ValueError as error:
        return None, [f"Not valid JSON: {error}"]
    if not isinstance(draft, dict):
        return None, ["The mapping must be a JSON object ({...})."]
    stored = source.field_mapping if isinstance(source.field_mapping, dict) else {}
    for key in SECRET_MAPPING_KEYS:
        if draft.get(key) == HIDDEN:
            if stored.get(key):
                draft[key] = stored[key]
            else:
                draft.pop(key)
    if source.channel in MAPPED_CHANNEL_ADAPTERS:
        try:
            compile_mapping(draft)
        except MappingError as error:
            return draft, error.errors
    return draft, []


def last_payload_record(source: LeadSource) -> IntakeRecord | None:
    """The newest record of this source that carries a usable payload (authenticated, complete, a POST)."""
    return (
        IntakeRecord.objects.filter(source=source, method="POST")
        .exclude(is_signature_valid=False)
        .exclude(is_body_truncated=True)
        .exclude(body="")
        .order_by("-received_at", "-id")
        .first()
    )


@dataclass
class Preview:
    record: IntakeRecord | None = None
    problem: str = ""
    submission: dict = field(default_factory=dict)
    unknown_fields: dict = field(default_factory=dict)
    field_errors: dict = field(default_factory=dict)
    normalised: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    is_sample: bool = False

    @property
    def is_valid(self) -> bool:
        return not self.problem and not self.field_errors


SAMPLE_CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "form": "application/x-www-form-urlencoded",
}
MAX_SAMPLE_CHARS = 65_536


def sample_submission(source: LeadSource, mapping: dict, sample: str, sample_format: str):
    """Map a pasted sample as if the source had received it: a vendor's body (JSON, XML or a form post), a
    Google Ads WebhookLead, or for Meta the Graph API lead (the JSON of GET /{leadgen_id})."""
    if len(sample) > MAX_SAMPLE_CHARS:
        raise IntakeParseError(f"The sample is longer than {MAX_SAMPLE_CHARS} characters.")
    adapter = import_module(MAPPED_CHANNEL_ADAPTERS[source.channel])
    if hasattr(adapter, "submission_from_sample"):  # Meta: the sample is the Graph API lead, not the webhook
        return adapter.submission_from_sample(sample, mapping)
    record = IntakeRecord(
        source=source,
        organisation=source.organisation,
        channel=source.channel,
        method="POST",
        body=sample,
        content_type=SAMPLE_CONTENT_TYPES.get(sample_format, "application/json"),
    )
    return adapter.submission_from_record(record, mapping=mapping)


def preview_mapping(
    source: LeadSource, mapping: dict, *, sample: str = "", sample_format: str = "json"
) -> Preview:
    """Apply a draft mapping to a pasted sample (or else the last payload received) and run normalise(),
    without saving anything: the lead it would produce, its warnings, and what stays unmapped."""
    module_name = MAPPED_CHANNEL_ADAPTERS.get(source.channel)
    if module_name is None:
        return Preview(problem=f"Preview is not available for {source.get_channel_display()} sources.")
    if sample.strip():
        preview = Preview(is_sample=True)
        try:
            submission = sample_submission(source, mapping, sample, sample_format)
        except IntakeParseError as error:
            preview.problem = error.reason
            return preview
        return _finish_preview(preview, submission, source)
    record = last_payload_record(source)
    if record is None:
        return Preview(
            problem="This source has not received a payload yet: paste a sample to test the mapping."
        )
    preview = Preview(record=record)
    try:
        submission = import_module(module_name).submission_from_record(record, mapping=mapping)
    except IntakeParseError as error:
        preview.problem = error.reason
        return preview
    return _finish_preview(preview, submission, source)


def _finish_preview(preview: "Preview", submission, source: LeadSource) -> "Preview":
    preview.submission = describe(submission)
    preview.unknown_fields = preview.submission.pop("unknown_fields", {})
    try:
        normalised = normalise(submission, region=source.default_region)
    except SubmissionInvalid as invalid:
        preview.field_errors = invalid.errors
    else:
        preview.warnings = normalised.warnings
        preview.normalised = {k: v for k, v in normalised.as_json().items() if k != "warnings"}
    return preview


@dataclass
class UnmappedValue:
    field: str
    value: str
    message: str
    count: int = 0
    last_record_id: int | None = None


def unmapped_values(
    source: LeadSource, *, records: int = 500
) -> tuple[list[UnmappedValue], list[UnmappedValue]]:
    """What this source's last `records` deliveries sent that could not be used: values kept as sent (with how
    often each came) and payload fields no rule read. An admin maps them, saves, then reads the records again."""
    warned: dict[tuple, UnmappedValue] = {}
    unknown: dict[str, UnmappedValue] = {}
    rows = (
        IntakeRecord.objects.filter(source=source)
        .order_by("-received_at", "-id")
        .values_list("pk", "warnings", "unknown_fields")[:records]
    )
    for pk, warnings, unknown_fields in rows:
        for warning in warnings or []:
            if not isinstance(warning, dict):
                continue
            key = (warning.get("field", ""), warning.get("value", ""))
            entry = warned.setdefault(
                key, UnmappedValue(*key, message=warning.get("message", ""), last_record_id=pk)
            )
            entry.count += 1
        for name, value in (unknown_fields or {}).items() if isinstance(unknown_fields, dict) else []:
            entry = unknown.setdefault(name, UnmappedValue(name, str(value)[:120], "", last_record_id=pk))
            entry.count += 1
    by_count = lambda entry: (-entry.count, entry.field, entry.value)  # noqa: E731
    return sorted(warned.values(), key=by_count)[:100], sorted(unknown.values(), key=by_count)[:100]


def records_to_read_again(source: LeadSource, *, limit: int = 500):
    """Accepted records of this source that left values unread, newest first."""
    return (
        IntakeRecord.objects.filter(
            source=source,
            status__in=[IntakeRecord.Status.ACCEPTED, IntakeRecord.Status.MERGED],
            lead__isnull=False,
        )
        .exclude(warnings=[])
        .order_by("-received_at", "-id")[:limit]
    )


@transaction.atomic
def save_mapping(source: LeadSource, mapping: dict, *, actor=None, ip_address=None) -> LeadSource:
    before = source.field_mapping if isinstance(source.field_mapping, dict) else {}
    source.field_mapping = mapping
    source.save(update_fields=["field_mapping"])
    record_audit(
        source.organisation,
        "lead_source.mapping_changed",
        actor=actor,
        ip_address=ip_address,
        detail={
            "source": source.pk,
            # Keys only: values may hold the page access token.
            "keys_before": sorted(before),
            "keys_after": sorted(mapping),
            "fields_after": sorted(
                (mapping.get("fields") or {}) if isinstance(mapping.get("fields"), dict) else []
            ),
        },
    )
    return source
