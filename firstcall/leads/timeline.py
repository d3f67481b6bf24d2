"""The lead's timeline: every app records what it did to a lead here, with who and why."""

from firstcall.leads.models import TimelineEvent


def record_event(lead, kind: str, summary: str, *, actor=None, data=None) -> TimelineEvent:
    return TimelineEvent.objects.create(
        lead=lead, kind=kind, summary=summary[:300], actor=actor, data=data or {}
    )
