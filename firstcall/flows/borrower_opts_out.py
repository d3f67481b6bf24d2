"""A borrower opts out (STOP reply, unsubscribe link, a person confirming a free-text revocation, a bounce, a
do-not-contact import).

1. messaging.services.opt_out_address suppresses the address organisation-wide, revokes each matching lead's
   consent for the channel (consent.revoked), suppresses every pending message to it, and emits
   address.opted_out with every lead that has the address;
2. then, in the same transaction, this module: every open cadence of each of those leads stops; a text
   revocation also ends call consent for the same number and closes the leads' open call tasks (under the
   TCPA a text is a call to that number; FCC 24-24: revocation by any reasonable means).
The confirmation text (once, for a new opt-out) is queued by the inbound service itself."""

from django.utils import timezone

from firstcall.cadences import services as cadence_services
from firstcall.cadences.models import CallTask
from firstcall.events.models import Event
from firstcall.leads.models import Lead, TimelineEvent
from firstcall.leads.services import revoke_consent
from firstcall.leads.timeline import record_event
from firstcall.pipeline.models import Task


def after_opt_out(event: Event) -> dict:
    stopped = 0
    for lead in Lead.objects.filter(pk__in=event.payload["lead_ids"]).order_by("pk"):
        stopped += cadence_services.on_opt_out(lead, event.payload["channel"])
        if event.payload["channel"] == "sms" and event.payload.get("reason") != "pending_review":
            _stop_calls(lead)
    return {"enrolments_stopped": stopped}


def _stop_calls(lead: Lead) -> None:
    now = timezone.now()
    if lead.consent_calls:
        revoke_consent(lead, "calls", how="a text revocation covers calls to the number", kind="stop_keyword")
    closed = CallTask.objects.filter(lead=lead, status=CallTask.Status.OPEN).update(
        status=CallTask.Status.CANCELLED, done_at=now
    )
    closed += Task.objects.filter(lead=lead, kind=Task.Kind.CALL, completed_at__isnull=True).update(
        completed_at=now
    )
    if closed:
        record_event(
            lead,
            TimelineEvent.Kind.CONSENT_REVOKED,
            f"{closed} open call task(s) closed: the borrower revoked consent",
        )
