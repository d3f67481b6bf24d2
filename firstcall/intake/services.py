"""Replaying stored intake records after a mapping or code fix."""

from django.utils import timezone

from firstcall.accounts.services import record_audit
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError, submission_from_record
from firstcall.leads import services as lead_services
from firstcall.leads.models import IntakeRecord

REPLAYABLE = {IntakeRecord.Status.REJECTED, IntakeRecord.Status.PENDING_RETRY, IntakeRecord.Status.RECEIVED}
# An accepted record can be read again with a fixed mapping: it updates its lead in place.
REPROCESSABLE = {IntakeRecord.Status.ACCEPTED, IntakeRecord.Status.MERGED}


class ReplayRefused(Exception):
    pass


def replay_refusal(record: IntakeRecord) -> str | None:
    """Why a record cannot be replayed, or None when it can."""
    if record.status in REPROCESSABLE and record.lead_id is None:
        return "The lead this record produced is gone; there is nothing to update."
    if record.status not in REPLAYABLE | REPROCESSABLE:
        return "Only rejected, pending or accepted records can be replayed; this one was a repeat delivery."
    if record.is_signature_valid is False:
        return "The request failed authentication (bad key or signature); it will never become a lead."
    if record.is_body_truncated:
        return "The body was over the size limit and was kept truncated; it cannot be replayed."
    if record.source is None and record.organisation is None:
        return "The record has no lead source to replay into."
    return None


def replay_intake(record: IntakeRecord, *, actor=None) -> lead_services.CaptureResult:
    refusal = replay_refusal(record)
    if refusal:
        raise ReplayRefused(refusal)
    IntakeRecord.objects.filter(pk=record.pk).update(attempts=record.attempts + 1)
    record.attempts += 1
    if actor is not None:
        record_audit(record.organisation, "intake.replayed", actor=actor, detail={"intake_record": record.pk})
    try:
        submission = submission_from_record(record)
    except IntakeParseError as error:
        status = IntakeRecord.Status.PENDING_RETRY if error.retryable else IntakeRecord.Status.REJECTED
        lead_services.reject_intake(record, reasons=[error.reason], status=status)
        if error.retryable:
            IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=None)
        return lead_services.CaptureResult(outcome=lead_services.REJECTED, intake_record=record)
    record.received_at = record.received_at or timezone.now()
    if record.status in REPROCESSABLE:
        return lead_services.reprocess_capture(
            submission, intake_record=record, source=record.source, actor=actor
        )
    return lead_arrives(
        submission,
        organisation=record.organisation or record.source.organisation,
        intake_record=record,
        source=record.source,
        actor=actor,
    )
