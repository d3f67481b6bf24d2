"""Background task: hand one event to its subscribers. Safe to run twice or late (deliveries are idempotent)."""

from django_tasks import task

from firstcall.events import dispatch


@task()
def dispatch_event(event_id: int) -> dict:
    return dispatch.dispatch(event_id)


@task()
def dispatch_events(event_ids: list[int]) -> dict:
    """The events one transaction emitted, dispatched in order (each as dispatch_event would)."""
    return {str(event_id): dispatch.dispatch(event_id) for event_id in event_ids}
