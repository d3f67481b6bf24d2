"""The one door: every channel's submission becomes a lead (or an inquiry on one) here, exactly once."""

import hashlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from firstcall.accounts.models import Organisation, User
from firstcall.events.outbox import emit
from firstcall.leads.dedupe import find_match, find_possible_duplicate
from firstcall.leads.models import (
    Consent,
    IdempotencyKey,
    Inquiry,
    IntakeRecord,
    Lead,
    LeadSource,
    Pipeline,
    PossibleDuplicate,
    Stage,
    TimelineEvent,
)
from firstcall.leads.stages import ensure_default_pipelines, first_stage
from firstcall.leads.submission import (
    LeadSubmission,
    NormalisedLead,
    SubmissionInvalid,
    content_fingerprint,
    normalise,
)
from firstcall.leads.timeline import record_event
from firstcall.lib.jsonsafe import scrub_for_storage
from firstcall.lib.redaction import redact_data, redact_free_text

logger = logging.getLogger(__name__)

CREATED = "created"
MERGED = "merged"
REJECTED = "rejected"
REPROCESSED = "reprocessed"  # an accepted record read again: its lead updated in place

# Scenario fields a returning borrower may update; contact identity fields are never overwritten by a merge.
UPDATABLE_FIELDS = [
    "purpose", "loan_type", "property_type", "property_use", "purchase_price", "property_value", "down_payment",
    "loan_balance", "credit_score_low", "credit_score_high", "credit_band", "timeframe", "first_time_buyer",
    "veteran", "annual_income", "monthly_debts", "employment_type", "has_real_estate_agent", "zip_code", "county",
    "state", "time_zone", "contact_preference", "loan_amount", "down_payment_percent", "cash_out_amount",
    "current_rate", "rate_type", "loan_term_years", "city", "street_address",
]  # fmt: skip
FILL_IF_BLANK_FIELDS = ["first_name", "last_name", "email", "phone", "phone_extension"]
MAX_LEAD_WARNINGS = 50
ENCRYPTED_FIELDS = {"annual_income", "monthly_debts"}


@dataclass
class CaptureResult:
    outcome: str
    intake_record: IntakeRecord
    lead: Lead | None = None
    is_replay: bool = False
    match_reason: str = ""
    errors: dict = field(default_factory=dict)

    @property
    def is_accepted(self) -> bool:
        return self.outcome in (CREATED, MERGED, REPROCESSED)


def capture(
    submission: LeadSubmission,
    *,
    organisation: Organisation,
    intake_record: IntakeRecord,
    source: LeadSource | None = None,
    actor: User | None = None,
) -> CaptureResult:
    """Validate, normalise, apply idempotency, deduplicate, record consent and the timeline; return the lead.

    The intake record must already be saved (it is the proof the request arrived); this function settles it.
    """
    try:
        normalised = normalise(submission, region=source.default_region if source else "US")
    except SubmissionInvalid as invalid:
        reject_intake(intake_record, reasons=["Invalid fields"], field_errors=invalid.errors,
                      unknown_fields=submission.unknown_fields)  # fmt: skip
        return CaptureResult(outcome=REJECTED, intake_record=intake_record, errors=invalid.errors)

    # Free text is the one place a borrower types an SSN or an account number on their own.
    normalised.notes = redact_free_text(normalised.notes).text
    received_at = intake_record.received_at or timezone.now()
    scope = f"src{source.pk}" if source else f"org{organisation.pk}"
    if normalised.external_id:
        idempotency_key = f"{scope}:ext:{normalised.external_id}"
    else:
        idempotency_key = f"{scope}:{content_fingerprint(normalised, received_at.date().isoformat())}"

    with transaction.atomic():
        _lock_identities(organisation, [idempotency_key, normalised.email, normalised.phone])
        previous = (
            IdempotencyKey.objects.select_related("lead")
            .filter(organisation=organisation, key=idempotency_key)
            .first()
        )
        if previous is not None:
            IntakeRecord.objects.filter(pk=intake_record.pk).update(
                status=IntakeRecord.Status.DUPLICATE,
                lead=previous.lead,
                idempotency_key=idempotency_key,
                processed_at=timezone.now(),
                reasons=[f"Repeat delivery of intake record #{previous.first_intake_record_id}"],
                unknown_fields=_storable_unknown(submission.unknown_fields),
                warnings=normalised.warnings,
                is_test=submission.is_test,
            )
            intake_record.refresh_from_db()
            return CaptureResult(
                outcome=previous.first_outcome,
                intake_record=intake_record,
                lead=previous.lead,
                is_replay=True,
            )

        match = find_match(organisation, normalised, source)
        if match is None:
            lead = _create_lead(organisation, source, normalised, submission, received_at)
            outcome, match_reason = CREATED, ""
            possible = find_possible_duplicate(organisation, normalised, exclude_pk=lead.pk)
            if possible is not None:
                PossibleDuplicate.objects.create(
                    organisation=organisation, lead=lead, existing_lead=possible.lead, reason=possible.reason
                )
                match_reason = (
                    f"possible duplicate of lead #{possible.lead.pk} ({possible.reason}): for review"
                )
        elif match.lead.stage.is_closed and not organisation.reopen_closed_leads:
            lead = _create_lead(
                organisation, source, normalised, submission, received_at, previous_lead=match.lead
            )
            outcome, match_reason = (
                CREATED,
                f"{match.reason}; previous lead #{match.lead.pk} is closed, linked",
            )
        else:
            lead = match.lead
            _merge_into(lead, normalised, match.reason, actor)
            outcome, match_reason = MERGED, match.reason

        inquiry = Inquiry.objects.create(
            lead=lead,
            source=source,
            intake_record=intake_record,
            received_at=received_at,
            match_reason=match_reason,
            data=normalised.as_json(),
            utm=normalised.utm,
        )
        _record_consent(lead, submission, inquiry, received_at, normalised)
        _keep_date_of_birth(lead, intake_record)
        IdempotencyKey.objects.create(
            organisation=organisation,
            key=idempotency_key,
            lead=lead,
            first_intake_record=intake_record,
            first_outcome=outcome,
        )
        intake_record.status = (
            IntakeRecord.Status.ACCEPTED if outcome == CREATED else IntakeRecord.Status.MERGED
        )
        intake_record.lead = lead
        intake_record.idempotency_key = idempotency_key
        intake_record.processed_at = timezone.now()
        intake_record.reasons = [match_reason] if match_reason else []
        intake_record.field_errors = {}
        intake_record.unknown_fields = _storable_unknown(submission.unknown_fields)
        intake_record.warnings = normalised.warnings
        intake_record.is_test = intake_record.is_test or submission.is_test
        intake_record.organisation = organisation
        intake_record.save()
        emit(
            "lead.captured",
            organisation_id=organisation.pk,
            lead_id=lead.pk,
            inquiry_id=inquiry.pk,
            source_id=source.pk if source else None,
            channel=source.channel if source else "manual",
            is_new_lead=outcome == CREATED,
        )

    return CaptureResult(outcome=outcome, intake_record=intake_record, lead=lead, match_reason=match_reason)


def reprocess_capture(
    submission: LeadSubmission, *, intake_record: IntakeRecord, source: LeadSource | None = None, actor=None
) -> CaptureResult:
    """Read an accepted record again (after its source's mapping was fixed) and update its lead in place.

    Values the lead lacks, or that this record had left unread, are filled; the record's old warnings on the
    lead are replaced by the ones still left. No new inquiry, consent or routing: the delivery was already
    counted. Running it twice changes nothing the second time."""
    lead = intake_record.lead
    try:
        normalised = normalise(submission, region=source.default_region if source else "US")
    except SubmissionInvalid as invalid:
        return CaptureResult(outcome=REJECTED, intake_record=intake_record, lead=lead, errors=invalid.errors)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        old_warnings = intake_record.warnings or []
        unread = {warning.get("field") for warning in old_warnings if isinstance(warning, dict)}
        changes: dict[str, list] = {}
        for field_name in FILL_IF_BLANK_FIELDS + UPDATABLE_FIELDS:
            new_value = getattr(normalised, field_name)
            if new_value in (None, "", "unknown", "not_sure", "any"):
                continue
            old_value = getattr(lead, field_name)
            source_field = {"zip_code": "zip", "loan_term_years": "loan_term"}.get(field_name, field_name)
            fill = old_value in (None, "", "unknown", "not_sure", "any") or source_field in unread
            if isinstance(new_value, Decimal) and old_value is not None:
                old_value = Decimal(old_value)
            if fill and old_value != new_value:
                shown_old = "(encrypted)" if field_name in ENCRYPTED_FIELDS else _jsonable(old_value)
                shown_new = "(encrypted)" if field_name in ENCRYPTED_FIELDS else _jsonable(new_value)
                changes[field_name] = [shown_old, shown_new]
                setattr(lead, field_name, new_value)
        kept = [warning for warning in (lead.intake_warnings or []) if warning not in old_warnings]
        lead.intake_warnings = merge_warnings(kept, normalised.warnings)
        lead.name_key = lead.name_key or normalised.name_key
        if changes:
            lead.updated_at = timezone.now()
        lead.save()
        if changes:
            record_event(
                lead,
                TimelineEvent.Kind.FIELD_CHANGED,
                f"Updated by reading intake record #{intake_record.pk} again: " + ", ".join(sorted(changes)),
                actor=actor,
                data={"changes": changes, "intake_record_id": intake_record.pk},
            )
        IntakeRecord.objects.filter(pk=intake_record.pk).update(
            warnings=normalised.warnings,
            unknown_fields=_storable_unknown(submission.unknown_fields),
            processed_at=timezone.now(),
        )
        intake_record.warnings = normalised.warnings
    return CaptureResult(outcome=REPROCESSED, intake_record=intake_record, lead=lead, match_reason="")


def _storable_unknown(unknown_fields) -> dict:
    """Fields no mapping used are kept for the admin, redacted like the raw body."""
    return scrub_for_storage(redact_data(unknown_fields or {})[0])


def _keep_date_of_birth(lead: Lead, intake_record: IntakeRecord) -> None:
    """The date of birth redacted from the raw request at the door, kept (encrypted) on the lead."""
    found = intake_record.date_of_birth
    if found and not lead.date_of_birth:
        lead.date_of_birth = found
        lead.save(update_fields=["date_of_birth"])


def reject_intake(intake_record: IntakeRecord, *, reasons: list[str], field_errors=None, unknown_fields=None,
                  status=IntakeRecord.Status.REJECTED) -> IntakeRecord:  # fmt: skip
    intake_record.status = status
    intake_record.reasons = reasons
    intake_record.field_errors = field_errors or {}
    intake_record.warnings = []
    if unknown_fields is not None:
        intake_record.unknown_fields = _storable_unknown(unknown_fields)
    intake_record.processed_at = timezone.now()
    intake_record.save(
        update_fields=["status", "reasons", "field_errors", "unknown_fields", "processed_at", "warnings"]
    )
    return intake_record


def _lock_identities(organisation: Organisation, identities: list[str]) -> None:
    """Serialise concurrent captures of the same borrower or delivery.

    SQLite already runs one writer at a time (IMMEDIATE transactions); PostgreSQL gets transaction-scoped
    advisory locks, taken in a fixed order so two captures can never deadlock."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_number(f"{organisation.pk}:{identity}") for identity in identities if identity})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _lock_number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def pipeline_for_purpose(organisation: Organisation, purpose: str) -> Pipeline:
    return _first_stage_for_purpose(organisation, purpose).pipeline


def _pipeline_kind(purpose: str) -> str:
    if purpose in ("rate_term_refinance", "cash_out_refinance"):
        return Pipeline.Kind.REFINANCE
    if purpose == "heloc":
        return Pipeline.Kind.HELOC
    return Pipeline.Kind.PURCHASE


def _first_stage_for_purpose(organisation: Organisation, purpose: str) -> Stage:
    """One query in the common case (pipelines exist); creates the defaults the first time."""
    kind = _pipeline_kind(purpose)
    query = Stage.objects.select_related("pipeline").filter(
        pipeline__organisation=organisation, pipeline__kind=kind
    )
    stage = query.order_by("position").first()
    if stage is None:
        ensure_default_pipelines(organisation)
        stage = query.order_by("position").first()
    return stage


def _create_lead(organisation, source, normalised: NormalisedLead, submission: LeadSubmission, received_at,
                 previous_lead=None) -> Lead:  # fmt: skip
    entry_stage = _first_stage_for_purpose(organisation, normalised.purpose)
    pipeline = entry_stage.pipeline
    referral_partner = None
    if normalised.referral_partner_email:
        referral_partner = User.objects.filter(
            organisation=organisation, role=User.Role.PARTNER, email__iexact=normalised.referral_partner_email
        ).first()
    lead = Lead.objects.create(
        organisation=organisation,
        source=source,
        first_name=normalised.first_name,
        last_name=normalised.last_name,
        email=normalised.email,
        phone=normalised.phone,
        phone_extension=normalised.phone_extension,
        other_phones=normalised.other_phones,
        street_address=normalised.street_address,
        city=normalised.city,
        name_key=normalised.name_key,
        preferred_language=normalised.preferred_language,
        contact_preference=normalised.contact_preference,
        zip_code=normalised.zip_code,
        county=normalised.county,
        state=normalised.state,
        time_zone=normalised.time_zone,
        purpose=normalised.purpose,
        loan_type=normalised.loan_type,
        property_type=normalised.property_type,
        property_use=normalised.property_use,
        purchase_price=normalised.purchase_price,
        property_value=normalised.property_value,
        down_payment=normalised.down_payment,
        loan_balance=normalised.loan_balance,
        loan_amount=normalised.loan_amount,
        down_payment_percent=normalised.down_payment_percent,
        cash_out_amount=normalised.cash_out_amount,
        current_rate=normalised.current_rate,
        rate_type=normalised.rate_type,
        loan_term_years=normalised.loan_term_years,
        credit_score_low=normalised.credit_score_low,
        credit_score_high=normalised.credit_score_high,
        credit_band=normalised.credit_band,
        timeframe=normalised.timeframe,
        first_time_buyer=normalised.first_time_buyer,
        veteran=normalised.veteran,
        annual_income=normalised.annual_income,
        monthly_debts=normalised.monthly_debts,
        employment_type=normalised.employment_type,
        has_real_estate_agent=normalised.has_real_estate_agent,
        notes=normalised.notes,
        intake_warnings=normalised.warnings,
        utm=normalised.utm,
        utm_source=normalised.utm.get("utm_source", "")[:120],
        utm_campaign=normalised.utm.get("utm_campaign", "")[:120],
        gclid=normalised.gclid,
        vendor_lead_id=normalised.external_id,
        referral_partner=referral_partner,
        pipeline=pipeline,
        stage=entry_stage,
        is_test=submission.is_test,
        created_at=received_at,
        updated_at=received_at,
        last_inquiry_at=received_at,
        previous_lead=previous_lead,
        # Written with the row so the consent step needs no second update; the proof rows follow.
        **{f"consent_{channel}": True for channel in _granted_channels(submission)},
    )
    source_name = source.name if source else "manual entry"
    record_event(
        lead,
        TimelineEvent.Kind.CREATED,
        f"Lead created from {source_name}",
        data={
            "source_id": source.pk if source else None,
            "previous_lead_id": getattr(previous_lead, "pk", None),
        },
    )
    return lead


def _merge_into(lead: Lead, normalised: NormalisedLead, reason: str, actor) -> None:
    changes: dict[str, list] = {}
    for field_name in FILL_IF_BLANK_FIELDS:
        new_value = getattr(normalised, field_name)
        if new_value and not getattr(lead, field_name):
            changes[field_name] = ["", new_value]
            setattr(lead, field_name, new_value)
    if normalised.phone and normalised.phone != lead.phone and normalised.phone not in lead.other_phones:
        lead.other_phones = [*lead.other_phones, normalised.phone]
        changes["other_phones"] = ["", normalised.phone]
    for field_name in UPDATABLE_FIELDS:
        new_value = getattr(normalised, field_name)
        if new_value in (None, "", "unknown", "not_sure", "any"):
            continue
        old_value = getattr(lead, field_name)
        if isinstance(new_value, Decimal) and old_value is not None:
            old_value = Decimal(old_value)
        if old_value != new_value:
            shown_old = "(encrypted)" if field_name in ENCRYPTED_FIELDS else _jsonable(old_value)
            shown_new = "(encrypted)" if field_name in ENCRYPTED_FIELDS else _jsonable(new_value)
            changes[field_name] = [shown_old, shown_new]
            setattr(lead, field_name, new_value)
    lead.name_key = lead.name_key or normalised.name_key
    lead.intake_warnings = merge_warnings(lead.intake_warnings, normalised.warnings)
    now = timezone.now()
    lead.last_inquiry_at = now
    lead.updated_at = now
    lead.inquiry_count = (lead.inquiry_count or 0) + 1
    reopened = False
    if lead.stage.is_closed:
        closed_stage_id = lead.stage_id
        lead.pipeline = pipeline_for_purpose(lead.organisation, lead.purpose)
        lead.stage = first_stage(lead.pipeline)
        lead.closed_at = None
        lead.lost_reason = ""
        reopened = True
    lead.save()
    if reopened:
        emit(
            "lead.stage_changed",
            organisation_id=lead.organisation_id,
            lead_id=lead.pk,
            from_stage_id=closed_stage_id,
            to_stage_id=lead.stage_id,
            stage_kind=lead.stage.outcome,
            changed_by_id=None,
            how="reopened_by_inquiry",
        )
    record_event(lead, TimelineEvent.Kind.MERGED, f"New inquiry merged ({reason})", data={"reason": reason})
    if reopened:
        record_event(
            lead, TimelineEvent.Kind.REOPENED, "Lead reopened by a new inquiry", data={"reason": reason}
        )
    if changes:
        record_event(
            lead,
            TimelineEvent.Kind.FIELD_CHANGED,
            "Updated from new inquiry: " + ", ".join(sorted(changes)),
            actor=actor,
            data={"changes": changes},
        )


def merge_warnings(existing, new) -> list:
    """The lead's warnings plus a new inquiry's, each (field, value) once, newest kept when over the limit."""
    merged = [w for w in (existing or []) if isinstance(w, dict)]
    seen = {(w.get("field"), w.get("value")) for w in merged}
    for warning in new or []:
        if (warning.get("field"), warning.get("value")) not in seen:
            seen.add((warning.get("field"), warning.get("value")))
            merged.append(warning)
    return merged[-MAX_LEAD_WARNINGS:]


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def web_url_or_blank(text: str) -> str:
    """Proof URLs come from strangers: keep only http(s) addresses, so nothing else is ever rendered as a link."""
    text = (text or "").strip()
    return text if text.lower().startswith(("https://", "http://")) and " " not in text else ""


def _granted_channels(submission: LeadSubmission) -> list[str]:
    consent = submission.consent
    if consent is None:
        return []
    return [channel for channel, granted in [("sms", consent.sms), ("email", consent.email),
                                             ("calls", consent.calls)] if granted]  # fmt: skip


def _consent_address(channel: str, normalised: NormalisedLead | None) -> str:
    if normalised is None:
        return ""
    return normalised.email if channel == "email" else normalised.phone


def _record_consent(lead: Lead, submission: LeadSubmission, inquiry: Inquiry, received_at,
                    normalised: NormalisedLead | None = None) -> None:  # fmt: skip
    consent = submission.consent
    granted_channels = _granted_channels(submission)
    if not granted_channels:
        return
    Consent.objects.bulk_create(
        Consent(
            lead=lead,
            channel=channel,
            is_granted=True,
            disclosure_text=consent.text[:5000],
            recorded_at=received_at,
            ip_address=consent.ip or None,
            user_agent=consent.user_agent[:500],
            page_url=web_url_or_blank(consent.page_url)[:1000],
            trusted_form_url=web_url_or_blank(consent.trusted_form_url)[:500],
            leadid_token=consent.leadid_token[:100],
            inquiry=inquiry,
            how=f"{inquiry.source.get_channel_display() if inquiry.source else 'manual'} submission",
            # The number or address this submission gave, which may not be the lead's own (a merge on email).
            address=_consent_address(channel, normalised) or consent_address(lead, channel),
        )
        for channel in granted_channels
    )
    if not all(getattr(lead, f"consent_{channel}") for channel in granted_channels):
        Lead.objects.filter(pk=lead.pk).update(**{f"consent_{channel}": True for channel in granted_channels})
        for channel in granted_channels:
            setattr(lead, f"consent_{channel}", True)
    record_event(
        lead,
        TimelineEvent.Kind.CONSENT_RECORDED,
        "Consent recorded for " + ", ".join(granted_channels),
        data={
            "channels": granted_channels,
            "has_trusted_form": bool(consent.trusted_form_url),
            "has_leadid": bool(consent.leadid_token),
        },  # fmt: skip
    )


def consent_address(lead: Lead, channel: str) -> str:
    """The address a consent on this channel is for: the lead's phone for texts and calls, else its email."""
    return (lead.email or "").lower() if channel == "email" else lead.phone or ""


@transaction.atomic
def revoke_consent(
    lead: Lead, channel: str, *, how: str, actor=None, kind: str = "by_user", address: str | None = None
) -> None:
    """`how` is the human account kept with the consent record; `kind` is its code for the consent.revoked
    event (docs/events.md); `address` is the number or email the revocation is for (the lead's current one by
    default)."""
    address = consent_address(lead, channel) if address is None else address
    Consent.objects.create(lead=lead, channel=channel, is_granted=False, address=address, how=how[:200])
    Lead.objects.filter(pk=lead.pk).update(**{f"consent_{channel}": False})
    setattr(lead, f"consent_{channel}", False)
    record_event(
        lead, TimelineEvent.Kind.CONSENT_REVOKED, f"Consent for {channel} revoked ({how})", actor=actor
    )
    emit("consent.revoked", organisation_id=lead.organisation_id, lead_id=lead.pk, channel=channel, how=kind)


def count_reply(lead_id: int) -> int:
    """The borrower sent us a text or an email: one more reply on the lead's engagement count."""
    return Lead.objects.filter(pk=lead_id).update(reply_count=F("reply_count") + 1)


def current_stage_is(lead: Lead, outcome: str) -> bool:
    return lead.stage.outcome == outcome


__all__ = [
    "capture",
    "reprocess_capture",
    "CaptureResult",
    "find_match",
    "reject_intake",
    "revoke_consent",
    "Stage",
]
