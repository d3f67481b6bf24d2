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

    @property
    def is_valid(self) -> bool:
        return not self.problem and not self.field_errors


def preview_mapping(source: LeadSource, mapping: dict) -> Preview:
    """Apply a draft mapping to the last payload and run normalise(), without saving anything."""
    module_name = MAPPED_CHANNEL_ADAPTERS.get(source.channel)
    if module_name is None:
        return Preview(problem=f"Preview is not available for {source.get_channel_display()} sources.")
    record = last_payload_record(source)
    if record is None:
        return Preview(problem="This source has not received a payload yet; preview needs one.")
    preview = Preview(record=record)
    try:
        submission = import_module(module_name).submission_from_record(record, mapping=mapping)
    except IntakeParseError as error:
        preview.problem = error.reason
        return preview
    preview.submission = describe(submission)
    preview.unknown_fields = preview.submission.pop("unknown_fields", {})
    try:
        preview.normalised = normalise(submission).as_json()
    except SubmissionInvalid as invalid:
        preview.field_errors = invalid.errors
    return preview


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
