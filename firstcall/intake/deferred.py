"""Accept now, capture in the worker: the JSON API's answer to a burst.

With `Prefer: respond-async` (RFC 7240) the request is recorded, checked (key, scope, size, JSON), claimed with
a short lease and answered 202 with its intake record id; a background task then runs the full capture
(normalise, dedupe, consent, score, route, alert, first touch) exactly as the synchronous path would.

Nothing accepted can be lost: the record is committed before the answer, and it is born claimed
(`next_attempt_at` = now + lease). If the enqueued task is lost with a worker, the sweep
(`sweep_deferred_captures`, run by every worker) takes the record over when the lease ends; the task proceeds
only while it holds its lease, so two workers never capture the same record, and capture's idempotency keys
make even a late duplicate harmless. A capture that fails with an error is retried with the same backoff as
Meta fetches, and stays on the intake screen meanwhile."""

import logging
import time
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.json_api import submission_from_record
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IntakeRecord

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
PENDING = (IntakeRecord.Status.RECEIVED, IntakeRecord.Status.PENDING_RETRY)
RETRY_STEPS = [30, 60, 120, 300, 600, 1200, 1800, 3600]
SETTLED_OUTCOME = {
    IntakeRecord.Status.ACCEPTED: lead_services.CREATED,
    IntakeRecord.Status.MERGED: lead_services.MERGED,
}


def defer_capture(record: IntakeRecord, enqueue) -> datetime:
    """Claim the just-recorded request for the worker and enqueue its capture (after commit)."""
    lease = timezone.now() + LEASE
    IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=lease)
    record.next_attempt_at = lease
    try:
        enqueue(record.pk, lease.isoformat())
    except Exception:  # the sweep takes the record over when the lease ends
        logger.exception("Could not enqueue the capture of intake record %s", record.pk)
    return lease


def process(record_id: int, *, lease: datetime | None = None) -> str:
    record = IntakeRecord.objects.select_related("source", "organisation").filter(pk=record_id).first()
    if record is None or record.channel != Channel.API:
        return "missing"
    if record.status not in PENDING:
        return "already settled"
    if lease is not None and record.next_attempt_at != lease:
        return "claimed by another worker"
    organisation = record.organisation or (record.source.organisation if record.source else None)
    if organisation is None:
        lead_services.reject_intake(record, reasons=["The record has no organisation to capture into."])
        return "rejected"
    IntakeRecord.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
    record.attempts += 1
    try:
        submission = submission_from_record(record)
    except IntakeParseError as error:
        lead_services.reject_intake(record, reasons=[error.reason])
        IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=None)
        return "rejected"
    try:
        result = lead_arrives(
            submission, organisation=organisation, intake_record=record, source=record.source
        )
    except Exception:  # keep the lead: retry later rather than lose it to a bug or a database hiccup
        logger.exception("Capturing intake record %s failed", record.pk)
        delay = timedelta(seconds=RETRY_STEPS[min(record.attempts, len(RETRY_STEPS)) - 1])
        IntakeRecord.objects.filter(pk=record.pk).update(
            status=IntakeRecord.Status.PENDING_RETRY,
            next_attempt_at=timezone.now() + delay,
            reasons=[
                f"FirstCall could not save the lead (internal error); attempt {record.attempts} failed."
            ],
        )
        return "pending_retry"
    IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=None)
    return result.outcome


def claim(record_id: int, now: datetime) -> datetime | None:
    lease = now + LEASE
    claimed = (
        IntakeRecord.objects.filter(pk=record_id, channel=Channel.API, status__in=PENDING)
        .filter(Q(next_attempt_at__lte=now))
        .update(next_attempt_at=lease)
    )
    return lease if claimed == 1 else None


def sweep(enqueue, now: datetime | None = None, limit: int = 500) -> int:
    """Claim every deferred capture whose lease has ended and enqueue it again. Returns how many."""
    now = now or timezone.now()
    due = (
        IntakeRecord.objects.filter(
            channel=Channel.API, status__in=PENDING, is_signature_valid=True, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    handled = 0
    for record_id in list(due):
        lease = claim(record_id, now)
        if lease is not None:
            try:
                enqueue(record_id, lease.isoformat())
            except Exception:
                logger.exception("Could not enqueue the capture of intake record %s", record_id)
                continue
            handled += 1
    return handled


def wait_for(record: IntakeRecord, seconds: float) -> IntakeRecord:
    """Poll the record until the worker settles it or `seconds` pass (for callers that asked to wait)."""
    deadline = time.monotonic() + seconds
    while True:
        record.refresh_from_db(fields=["status", "lead", "reasons", "field_errors"])
        if record.status not in PENDING or time.monotonic() >= deadline:
            return record
        time.sleep(0.02)
