"""Report rollups follow the domain events: a day is marked stale when one of its leads changes, and the worker's
sweep rebuilds it (see docs/events.md)."""

from firstcall.reports.rollups import mark_lead_stale


def lead_changed(event) -> dict:
    return {"marked": mark_lead_stale(event.payload["lead_id"])}


SUBSCRIBERS = {
    "lead.captured": [lead_changed],
    "lead.assigned": [lead_changed],
    "lead.stage_changed": [lead_changed],
}
