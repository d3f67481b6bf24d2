"""Hand events to subscribers at least once, and each (event, subscriber) pair's work at most once: a subscriber
runs inside a transaction that also marks its delivery done, so either both commit or neither does. A subscriber
that raises is retried with backoff by the sweep and given up (status `failed`, visible in the admin) after
MAX_ATTEMPTS. Subscribers whose effects leave the database (an HTTP call) must be idempotent themselves."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from firstcall.events.models import Delivery, Event
from firstcall.events.registry import subscriber_key, subscribers_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# The on-commit task normally dispatches within a second; the sweep leaves fresh events to it.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))


def dispatch(event_id: int) -> dict[str, str]:
    """Run every subscriber of the event that has not finished; return {subscriber: status}."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return {}
    outcome = {}
    for subscriber in subscribers_for(event.name):
        key = subscriber_key(subscriber)
        outcome[key] = _deliver(event, subscriber, key)
    if all(status != Delivery.Status.PENDING for status in outcome.values()):
        Event.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
    return outcome


def deliver_in_transaction(event: Event, subscriber) -> None:
    """An IN_TRANSACTION subscriber: run it now, in the emitter's transaction, and record it done. It is not
    caught: its failure is the change's failure, as a direct call would be."""
    did = subscriber(event)
    Delivery.objects.create(
        event=event,
        subscriber=subscriber_key(subscriber),
        status=Delivery.Status.DONE,
        attempts=1,
        result=_as_result(did),
        finished_at=timezone.now(),
    )


def deliver_many_in_transaction(events: list[Event], subscribers) -> None:
    """deliver_in_transaction() for many events: each subscriber runs per event, the deliveries are written
    with one insert."""
    rows = []
    for event in events:
        for subscriber in subscribers:
            did = subscriber(event)
            rows.append(
                Delivery(
                    event=event,
                    subscriber=subscriber_key(subscriber),
                    status=Delivery.Status.DONE,
                    attempts=1,
                    result=_as_result(did),
                    finished_at=timezone.now(),
                )
            )
    Delivery.objects.bulk_create(rows)


def _as_result(did) -> dict:
    return did if isinstance(did, dict) else {"outcome": "" if did is None else str(did)}


def _deliver(event: Event, subscriber, key: str) -> str:
    now = timezone.now()
    try:
        with transaction.atomic():
            Delivery.objects.get_or_create(event=event, subscriber=key)
            delivery = Delivery.objects.select_for_update().get(event=event, subscriber=key)
            if delivery.status != Delivery.Status.PENDING:
                return delivery.status
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                return delivery.status
            did = subscriber(event)
            delivery.status = Delivery.Status.DONE
            delivery.attempts += 1
            delivery.result = _as_result(did)
            delivery.last_error = ""
            delivery.next_attempt_at = None
            delivery.finished_at = timezone.now()
            delivery.save()
            return delivery.status
    except Exception as error:  # a failing subscriber must not stop the others; it is retried
        logger.exception("Subscriber %s failed on event %s", key, event.pk)
        return _record_failure(event, key, error, now)


def _record_failure(event: Event, key: str, error: Exception, now) -> str:
    # The error text is kept short and is the exception type plus message; payloads hold no personal data.
    message = f"{type(error).__name__}: {error}"[:300]
    with transaction.atomic():
        Delivery.objects.get_or_create(event=event, subscriber=key)
        Delivery.objects.filter(event=event, subscriber=key).update(
            attempts=F("attempts") + 1, last_error=message
        )
        delivery = Delivery.objects.get(event=event, subscriber=key)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            delivery.finished_at = now
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "finished_at", "next_attempt_at"])
        return delivery.status


def sweep_undelivered_events() -> int:
    """For firstcall.sweeps.SWEEPS: dispatch events whose task was lost or whose subscribers are due a retry."""
    now = timezone.now()
    backing_off = Delivery.objects.filter(
        event=OuterRef("pk"), status=Delivery.Status.PENDING, next_attempt_at__gt=now
    )
    event_ids = list(
        Event.objects.filter(dispatched_at__isnull=True, occurred_at__lte=now - SWEEP_GRACE)
        .exclude(Exists(backing_off))
        .order_by("id")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    for event_id in event_ids:
        dispatch(event_id)
    return len(event_ids)
