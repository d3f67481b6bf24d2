"""Replaying stored intake records after a mapping or code fix."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from firstcall.accounts.services import record_audit
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError, submission_from_record
from firstcall.intake.models import CsvImport
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
    if record.body_purged_at is not None:
        return (
            "The body was emptied after the retention period (or on an erasure request); nothing to replay."
        )
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


PURGE_BATCH = 500


def purge_expired_intake(now=None) -> int:
    """Empty raw intake bodies (and kept spreadsheet files) older than FIRSTCALL_INTAKE_RETENTION_DAYS.

    The record itself stays (when, which source, what it became, why it was refused); only what the borrower
    or the vendor sent is disposed of (16 CFR 314.4(c)(6)). Runs in the worker's sweep, a batch at a time."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.INTAKE_RETENTION_DAYS)
    expired = IntakeRecord.objects.filter(received_at__lt=cutoff, body_purged_at__isnull=True)
    batch = list(expired.values_list("pk", flat=True)[:PURGE_BATCH])
    purged = IntakeRecord.objects.filter(pk__in=batch, body_purged_at__isnull=True).update(
        body="", headers={}, unknown_fields={}, sensitive_values=None, body_purged_at=now
    )
    old_files = CsvImport.objects.filter(created_at__lt=cutoff).exclude(content="")
    old_files = old_files.filter(Q(status=CsvImport.Status.FINISHED) | Q(status=CsvImport.Status.FAILED))
    purged += old_files.filter(pk__in=list(old_files.values_list("pk", flat=True)[:PURGE_BATCH])).update(
        content="", birth_dates=None
    )
    return purged


def purge_intake_record(record: IntakeRecord, *, actor) -> None:
    """Dispose of one record's payload on request; the audit log keeps who did it."""
    IntakeRecord.objects.filter(pk=record.pk).update(
        body="", headers={}, unknown_fields={}, sensitive_values=None, remote_ip=None,
        body_purged_at=timezone.now(),
    )  # fmt: skip
    record_audit(record.organisation, "intake.purged", actor=actor, detail={"intake_record": record.pk})
