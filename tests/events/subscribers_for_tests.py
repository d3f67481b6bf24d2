"""A subscriber module as an app would write it, used by tests/events: a plain mapping, nothing registered on import."""

from firstcall.events.models import Event

CALLS: list[tuple[str, int]] = []
FAILURES_LEFT = {"count": 0}


def note_the_lead(event: Event) -> dict:
    CALLS.append(("note_the_lead", event.payload["lead_id"]))
    return {"noted_lead": event.payload["lead_id"]}


def flaky_webhook(event: Event) -> str:
    if FAILURES_LEFT["count"] > 0:
        FAILURES_LEFT["count"] -= 1
        raise ConnectionError("receiver answered 503")
    CALLS.append(("flaky_webhook", event.payload["lead_id"]))
    return "posted"


SUBSCRIBERS = {
    "lead.assigned": [note_the_lead, flaky_webhook],
}
