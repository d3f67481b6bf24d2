"""A borrower opts out (STOP reply, unsubscribe link, a person confirming a free-text revocation, a bounce, a
do-not-contact import).

1. messaging.services.opt_out_address suppresses the address organisation-wide, revokes each matching lead's
   consent for the channel (consent.revoked), suppresses every pending message to it, and emits
   address.opted_out with every lead that has the address;
2. then, in the same transaction, this module: every open cadence of each of those leads stops.
The confirmation text (once, for a new opt-out) is queued by the inbound service itself."""

from firstcall.cadences import services as cadence_services
from firstcall.events.models import Event
from firstcall.leads.models import Lead


def after_opt_out(event: Event) -> dict:
    stopped = 0
    for lead in Lead.objects.filter(pk__in=event.payload["lead_ids"]).order_by("pk"):
        stopped += cadence_services.on_opt_out(lead, event.payload["channel"])
    return {"enrolments_stopped": stopped}
