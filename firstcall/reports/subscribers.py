"""Report rollups follow the domain events: a day is marked stale when one of its leads moves stage, and the
worker's sweep rebuilds it (see docs/events.md). New leads and their first assignment are not subscribed to, so
capture pays for no extra task: the sweep refreshes today's and yesterday's rollups every few minutes instead
(firstcall/reports/rollups.py, refresh_recent_days)."""

from firstcall.reports.rollups import mark_lead_stale, rebuild_stage_visits


def lead_changed(event) -> dict:
    """Mark the lead's day of arrival for the sweep, and rebuild its stays in each stage (velocity, stalls)."""
    lead_id = event.payload["lead_id"]
    return {"marked": mark_lead_stale(lead_id), "stage_visits": rebuild_stage_visits([lead_id])}


SUBSCRIBERS = {
    "lead.stage_changed": [lead_changed],
}
