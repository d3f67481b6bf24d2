"""emit(): record a business fact in the caller's transaction; its subscribers run after the commit."""

from django.db import transaction
from django.utils import timezone

from firstcall.events import tasks
from firstcall.events.catalogue import check_payload
from firstcall.events.dispatch import deliver_in_transaction
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
