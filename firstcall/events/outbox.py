"""emit(): record a business fact in the caller's transaction; its subscribers run after the commit."""

from django.db import transaction
from django.utils import timezone

from firstcall.events import tasks
from firstcall.events.catalogue import check_payload
from firstcall.events.dispatch import deliver_in_transaction, deliver_many_in_transaction
from firstcall.events.models import Event
from firstcall.events.registry import in_transaction_subscribers_for, subscribers_for


def emit(name: str, *, organisation_id: int | None, **payload) -> Event:
    """Write one event (validated against the catalogue) in the current transaction and run its in-transaction
    subscribers now. If anything subscribes to it after the commit, a dispatch task is enqueued when the
    transaction commits; the sweep re-dispatches it if that task is lost. An event nobody listens to after the
    commit is stored already dispatched, so it costs one insert and no task."""
    check_payload(name, payload)
    now = timezone.now()
    has_subscribers = bool(subscribers_for(name))
    event = Event.objects.create(
        name=name,
        organisation_id=organisation_id,
        payload=payload,
        occurred_at=now,
        dispatched_at=None if has_subscribers else now,
    )
    for subscriber in in_transaction_subscribers_for(name):
        deliver_in_transaction(event, subscriber)
    if has_subscribers:
        transaction.on_commit(lambda: tasks.dispatch_event.enqueue(event.pk))
    return event


def emit_many(name: str, facts: list[tuple[int | None, dict]]) -> list[Event]:
    """emit() for many facts of one kind ((organisation id, payload) each): the same events and deliveries,
    written with one insert per table instead of one per event."""
    if not facts:
        return []
    for _organisation_id, payload in facts:
        check_payload(name, payload)
    now = timezone.now()
    has_subscribers = bool(subscribers_for(name))
    events = Event.objects.bulk_create(
        Event(
            name=name,
            organisation_id=organisation_id,
            payload=payload,
            occurred_at=now,
            dispatched_at=None if has_subscribers else now,
        )
        for organisation_id, payload in facts
    )
    in_transaction = in_transaction_subscribers_for(name)
    if in_transaction:
        deliver_many_in_transaction(events, in_transaction)
    if has_subscribers:
        ids = [event.pk for event in events]
        transaction.on_commit(lambda: [tasks.dispatch_event.enqueue(event_id) for event_id in ids])
    return events
