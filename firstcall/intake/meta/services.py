"""Meta leads are fetched after the webhook has answered: each leadgen is an intake record that a background
task fetches from the Graph API, retrying with backoff until it succeeds. Nothing is lost:

- the record is written before anything else, and born "claimed" (next_attempt_at = a short lease), so if the
  enqueued task is lost the sweep takes the record over when the lease ends;
- a transient failure (outage, timeout, 5xx, 429, rate-limit codes) makes it pending_retry with
  next_attempt_at = now + backoff; the periodic sweep claims due records atomically and enqueues them again;
- a permanent failure (invalid leadgen id, expired token) rejects it with Graph's message, for an admin to fix
  and replay.
"""

import json
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.meta.adapter import leadgen_changes, submission_from_record
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IntakeRecord

logger = logging.getLogger(__name__)

FETCH_LEASE = timedelta(minutes=2)  # far beyond the Graph timeout: a claimed fetch has long finished by then
BACKOFF_SECONDS = (30, 60, 120, 300, 600, 1200, 1800, 3600)  # then hourly, for as long as it takes
FETCHABLE = (IntakeRecord.Status.RECEIVED, IntakeRecord.Status.PENDING_RETRY)
PARENT_HEADER = "x-firstcall-parent-record"


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff capped at an hour, with jitter (85-100% of the step) so that the retries of many
    leads after an outage do not arrive together. `attempts` counts the attempts made so far (1 after the
    first failure)."""
    base = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=base * (rng or random).uniform(0.85, 1.0))


def accept_notification(
    record: IntakeRecord, notification: dict, *, enqueue_fetch: Callable[[int, datetime], object]
) -> list[IntakeRecord]:
    """Turn a verified notification into records waiting to be fetched, and enqueue their fetches on commit
    with `enqueue_fetch(record_id, lease)` (the caller passes tasks.enqueue_fetch).

    One leadgen: the notification's record itself. Several: one child record per leadgen (its body the
    change), so each lead is tracked and replayed on its own; the parent keeps the raw notification."""
    changes = leadgen_changes(notification)
    if not changes:
        lead_services.reject_intake(
            record, reasons=["The notification holds no leadgen change; nothing to fetch."]
        )
        return []
    now = timezone.now()
    lease = now + FETCH_LEASE
    with transaction.atomic():
        if len(changes) == 1:
            IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=lease)
            record.next_attempt_at = lease
            to_fetch = [record]
        else:
            to_fetch = []
            for change in changes:
                body = json.dumps(change, separators=(",", ":"))
                to_fetch.append(IntakeRecord.objects.create(
                    organisation=record.organisation,
                    source=record.source,
                    channel=Channel.META,
                    received_at=record.received_at,
                    method=record.method,
                    path=record.path,
                    content_type="application/json",
                    headers={**record.headers, PARENT_HEADER: str(record.pk)},
                    parent=record,
                    body=body,
                    body_size=len(body.encode()),
                    remote_ip=record.remote_ip,
                    is_signature_valid=True,  # verified as part of the signed notification
                    next_attempt_at=lease,
                ))  # fmt: skip
            lead_services.reject_intake(
                record,
                reasons=[f"Notification with {len(changes)} leads, split into intake records "
                         + ", ".join(f"#{child.pk}" for child in to_fetch)],
                status=IntakeRecord.Status.PROCESSED,
            )  # fmt: skip
        for child in to_fetch:
            transaction.on_commit(lambda pk=child.pk: enqueue_fetch(pk, lease))
    return to_fetch


def claim_fetch(record_id: int, now: datetime | None = None) -> datetime | None:
    """Atomically take a due record for one fetch; returns the lease (the claim's token), or None if another
    worker has it or it is settled. The UPDATE matches only while the record is due: two workers never both
    win."""
    now = now or timezone.now()
    lease = now + FETCH_LEASE
    claimed = (
        IntakeRecord.objects.filter(pk=record_id, channel=Channel.META, status__in=FETCHABLE)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .update(next_attempt_at=lease)
    )
    return lease if claimed == 1 else None


def process_fetch(record_id: int, *, lease: datetime | None = None) -> str:
    """Fetch and capture one record; with a lease, only the holder of that claim proceeds. Says what
    happened."""
    record = IntakeRecord.objects.select_related("source__organisation").filter(pk=record_id).first()
    if record is None or record.channel != Channel.META:
        return "missing"
    if record.status not in FETCHABLE:
        return "already settled"
    if lease is not None and record.next_attempt_at != lease:
        return "claimed by another worker"
    if record.source is None:
        lead_services.reject_intake(record, reasons=["The Meta lead source was deleted."])
        return "rejected"
    IntakeRecord.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
    record.attempts += 1
    try:
        submission = submission_from_record(record)
    except IntakeParseError as error:
        if error.retryable:
            return schedule_retry(record, error.reason)
        lead_services.reject_intake(record, reasons=[error.reason])
        IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=None)
        return "rejected"
    try:
        result = lead_arrives(
            submission, organisation=record.source.organisation, intake_record=record, source=record.source
        )
    except Exception:  # keep the lead: retry later rather than lose it to a bug or a database hiccup
        logger.exception("Capturing the Meta lead of intake record %s failed", record.pk)
        return schedule_retry(record, "FirstCall could not save the fetched lead (internal error).")
    IntakeRecord.objects.filter(pk=record.pk).update(next_attempt_at=None)
    return result.outcome


def schedule_retry(record: IntakeRecord, reason: str) -> str:
    now = timezone.now()
    next_attempt_at = now + retry_delay(record.attempts)
    IntakeRecord.objects.filter(pk=record.pk).update(
        status=IntakeRecord.Status.PENDING_RETRY,
        next_attempt_at=next_attempt_at,
        processed_at=now,
        reasons=[
            f"{reason} Attempt {record.attempts} failed; "
            f"next attempt at {next_attempt_at:%Y-%m-%d %H:%M:%S} UTC."
        ],
    )
    record.status, record.next_attempt_at = IntakeRecord.Status.PENDING_RETRY, next_attempt_at
    return "pending_retry"


def due_fetches(now: datetime):
    return (
        IntakeRecord.objects.filter(channel=Channel.META, is_signature_valid=True, status__in=FETCHABLE)
        .filter(
            Q(next_attempt_at__lte=now)
            # replay_intake leaves a transient failure pending with no time: due at once
            | Q(next_attempt_at__isnull=True, status=IntakeRecord.Status.PENDING_RETRY)
        )
        .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
    )


def sweep_pending_fetches(
    enqueue_fetch: Callable[[int, datetime], object], now: datetime | None = None, limit: int = 200
) -> int:
    """Claim every due record (at most `limit` per sweep) and enqueue its fetch with `enqueue_fetch(record_id,
    lease)`. Returns how many were enqueued."""
    now = now or timezone.now()
    handled = 0
    for record_id in list(due_fetches(now).values_list("pk", flat=True)[:limit]):
        lease = claim_fetch(record_id, now)
        if lease is not None:
            enqueue_fetch(record_id, lease)
            handled += 1
    return handled
