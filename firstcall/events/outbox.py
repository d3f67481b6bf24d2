"""emit(): record a business fact in the caller's transaction; its subscribers run after the commit."""

from django.db import transaction
from django.utils import timezone

from firstcall.events import tasks
from firstcall.events.catalogue import check_payload
from firstcall.events.models import Event
from firstcall.events.registry import subscribers_for


def emit(name: str, *, organisation_id: int | None, **payload) -> Event:
    """Write one event (validated against the catalogue) in the current transaction. If anything subscribes to it,
    a dispatch task is enqueued when the transaction commits; the sweep re-dispatches it if that task is lost. An
    event nobody listens to is stored already dispatched, so it costs one insert and no task."""
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
    if has_subscribers:
        transaction.on_commit(lambda: tasks.dispatch_event.enqueue(event.pk))
    return event
