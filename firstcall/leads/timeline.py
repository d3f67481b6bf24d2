"""The lead's timeline: every app records what it did to a lead here, with who and why."""

from django.db import models

from firstcall.leads.models import TimelineEvent


class CallOutcome(models.TextChoices):
    """How a loan officer's call went, as logged on the timeline (read by the call journey and the reports)."""

    CONNECTED = "connected", "Connected: talked to the borrower"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"


def record_event(lead, kind: str, summary: str, *, actor=None, data=None) -> TimelineEvent:
    return TimelineEvent.objects.create(
        lead=lead, kind=kind, summary=summary[:300], actor=actor, data=data or {}
    )
