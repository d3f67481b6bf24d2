"""A borrower replies (text or email).

1. messaging (the webhook's service) stores the message, acts on keywords (STOP, HELP, START, a possible
   opt-out held for a person), puts it on the lead's timeline and emits message.received; leads counts the reply
   on the lead (its engagement, leads.subscribers);
2. then, in the same transaction, this module: the lead's cadences that stop on a reply stop, the score counts
   the reply as engagement, and the lead's owner is alerted (cadences.services.on_borrower_reply).
A message from a number or address that matches no lead changes nothing more."""

from firstcall.cadences import services as cadence_services
from firstcall.events.models import Event
from firstcall.leads.models import Lead
from firstcall.messaging.models import Message


def after_reply(event: Event) -> dict:
    if event.payload["lead_id"] is None:
        return {"lead": None}
    message = Message.objects.get(pk=event.payload["message_id"])
    lead = Lead.objects.get(pk=event.payload["lead_id"])
    cadence_services.on_borrower_reply(lead, message)
    return {"lead": lead.pk}
