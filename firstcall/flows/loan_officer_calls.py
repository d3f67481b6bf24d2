"""A loan officer calls a borrower.

1. before the call (click-to-call, a call task), check_call asks the compliance gate; a held or refused call
   goes on the lead's timeline with its reasons;
2. after it, log_call records the attempt (compliance counts it against the calling caps) and puts the call on
   the timeline;
3. talking to the borrower ("connected") is the first human contact that stops the SLA clock
   (routing.services.record_human_contact) and, as for a cadence call task marked "talked", ends the lead's
   automatic follow-up (cadences.services.on_human_contact), in the same transaction."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from firstcall.compliance import services as compliance
from firstcall.compliance.engine import ALLOW, HOLD, Decision
from firstcall.leads.models import TimelineEvent
from firstcall.leads.timeline import CallOutcome, record_event

SHORT_LABELS = {
    CallOutcome.CONNECTED: "connected",
    CallOutcome.VOICEMAIL: "left a voicemail",
    CallOutcome.NO_ANSWER: "no answer",
    CallOutcome.WRONG_NUMBER: "wrong number",
}
MAX_CALL_NOTES = 2000


class CallRefused(ValueError):
    pass


@transaction.atomic
def log_call(lead, *, actor, outcome: str, notes: str = "", at: datetime | None = None) -> TimelineEvent:
    if outcome not in CallOutcome.values:
        raise CallRefused("Choose how the call went.")
    at = at or timezone.now()
    notes = (notes or "").strip()[:MAX_CALL_NOTES]
    summary = f"Call: {SHORT_LABELS[CallOutcome(outcome)]}" + (
        f" ({' '.join(notes.split())[:200]})" if notes else ""
    )
    compliance.record_attempt(lead.organisation, lead, "call", lead.phone, kind="manual", at=at)
    event = record_event(
        lead,
        TimelineEvent.Kind.CALL,
        summary,
        actor=actor,
        data={"outcome": outcome, "notes": notes, "phone": lead.phone, "at": at.isoformat()},
    )
    if outcome == CallOutcome.CONNECTED:
        from firstcall.cadences.services import on_human_contact
        from firstcall.routing.services import record_human_contact

        record_human_contact(lead, at=at, actor=actor, how="call: talked to the borrower")
        on_human_contact(lead, how="talked to the borrower on a call", actor=actor)
    return event


def check_call(lead, *, actor, subject_type: str = "click_to_call", subject_id: int | None = None,
               at: datetime | None = None) -> Decision:  # fmt: skip
    """The gate before a loan officer calls (click-to-call, a call task): call consent for the number, the
    calling window in the borrower's local time, the FL/OK/MD cap over calls and texts, and both do-not-call
    lists. The decision is stored; a held or refused call goes on the timeline with its reasons."""
    decision, stored = compliance.decide_call(
        lead, actor=actor, subject_type=subject_type, subject_id=subject_id, at=at
    )
    if decision.outcome != ALLOW:
        when = f" until {decision.until:%Y-%m-%d %H:%M} UTC" if decision.outcome == HOLD else ""
        record_event(
            lead,
            TimelineEvent.Kind.CALL,
            f"Call {'held' + when if decision.outcome == HOLD else 'refused'}: {decision.summary}"[:500],
            actor=actor,
            data={"touch_decision_id": stored.pk, "outcome": decision.outcome},
        )
    return decision
