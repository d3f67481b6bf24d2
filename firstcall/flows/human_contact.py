"""A person reaches the borrower by a message they wrote.

1. messaging delivers it and, once the provider accepts it, emits message.sent;
2. then, in the same transaction, this module: a message a person wrote stops the lead's SLA clock
   (routing.services.record_human_contact); first touches and cadence steps never do."""

from firstcall.events.models import Event
from firstcall.leads.models import Lead
from firstcall.messaging.models import Message
from firstcall.routing import services as routing_services


def after_message_sent(event: Event) -> dict:
    if event.payload["sent_by_id"] is None or event.payload["lead_id"] is None:
        return {"sla_clock_stopped": False}
    message = Message.objects.select_related("sent_by").get(pk=event.payload["message_id"])
    lead = Lead.objects.get(pk=event.payload["lead_id"])
    stopped = routing_services.record_human_contact(
        lead,
        at=message.sent_at,
        actor=message.sent_by,
        how=f"{message.get_channel_display().lower()} sent by hand",
    )
    return {"sla_clock_stopped": stopped}
