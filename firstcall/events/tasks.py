"""Background task: hand one event to its subscribers. Safe to run twice or late (deliveries are idempotent)."""

from django_tasks import task

from firstcall.events import dispatch


@task()
def dispatch_event(event_id: int) -> dict:
    return dispatch.dispatch(event_id)
