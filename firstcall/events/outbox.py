"""emit(): record a business fact in the caller's transaction; its subscribers run after the commit."""

import threading

from django.db import transaction
from django.utils import timezone

from firstcall.events import tasks
from firstcall.events.catalogue import check_payload
from firstcall.events.dispatch import deliver_in_transaction, deliver_many_in_transaction
from firstcall.events.models import Event
from firstcall.events.registry import in_transaction_subscribers_for, subscribers_for


def emit(name: str, *, organisation_id: int | None, loaded: dict | None = None, **payload) -> Event:
    """Write one event (validated against the catalogue) in the current transaction and run its in-transaction
    subscribers now. If anything subscribes to it after the commit, a dispatch task is enqueued when the
    transaction commits; the sweep re-dispatches it if that task is lost. An event nobody listens to after the
    commit is stored already dispatched, so it costs one insert and no task.

    `loaded` hands the in-transaction subscribers rows the emitter holds already (by name, e.g. the
    notification just written), as `event.loaded`, so that they need not read them again: they are the same
    rows in the same transaction. It is never stored; subscribers that run after the commit read the payload's
    ids as always, and an in-transaction subscriber must work without it too."""
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
    event.loaded = loaded or {}
    for subscriber in in_transaction_subscribers_for(name):
        deliver_in_transaction(event, subscriber)
    if has_subscribers:
        _dispatch_on_commit([event.pk])
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
        _dispatch_on_commit([event.pk for event in events])
    return events


_batches = threading.local()


def _dispatch_on_commit(event_ids: list[int]) -> None:
    """The events one transaction emits (a captured lead's `lead.captured` and `lead.assigned`) go to the worker
    as one dispatch task when it commits: one task row to write, claim and finish instead of one per event.

    An event joins the transaction's batch while the batch's commit callback is registered and has not run.
    Django drops a callback only when a savepoint that was open when it was registered rolls back, and any event
    added later ran inside that savepoint too (a released savepoint cannot roll back on its own), so it is gone
    as well, and dispatching a missing event does nothing. Outside a transaction the task is enqueued at once."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _enqueue_dispatch(event_ids)
        return
    current = getattr(_batches, "current", None)
    if (
        current is not None
        and current[0] is connection
        and not current[2]["sent"]
        and any(hook[1] is current[1] for hook in connection.run_on_commit)
    ):
        current[2]["ids"].extend(event_ids)
        return
    batch = {"ids": list(event_ids), "sent": False}

    def callback():
        batch["sent"] = True
        _enqueue_dispatch(batch["ids"])

    transaction.on_commit(callback)
    _batches.current = (connection, callback, batch)


def _enqueue_dispatch(event_ids: list[int]) -> None:
    if len(event_ids) == 1:
        tasks.dispatch_event.enqueue(event_ids[0])
    else:
        tasks.dispatch_events.enqueue(list(event_ids))
