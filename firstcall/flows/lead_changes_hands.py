"""A lead changes hands after the borrower has heard from its loan officer (a handover accepted after a missed
response time, or a manager's reassignment).

1. routing.services assigns the lead and emits lead.assigned (how="handover" or "reassigned");
2. then, in the same transaction, this module: the new loan officer introduces themselves to the borrower before
   anything else goes out in their name (messaging.first_touch.schedule_handover_introduction, through the outbox
   and its compliance gate), so the borrower never hears from a stranger."""

from firstcall.accounts.models import User
from firstcall.events.models import Event
from firstcall.leads.models import Lead
from firstcall.messaging.first_touch import schedule_handover_introduction

INTRODUCED_ON = {"handover", "reassigned"}


def after_assignment(event: Event) -> dict:
    payload = event.payload
    if payload.get("how") not in INTRODUCED_ON or not payload.get("previous_assignee_id"):
        return {"skipped": payload.get("how")}
    if payload["previous_assignee_id"] == payload["assigned_to_id"]:
        return {"skipped": "same person"}
    lead = Lead.objects.select_related("organisation").get(pk=payload["lead_id"])
    new_owner = User.objects.get(pk=payload["assigned_to_id"])
    previous = User.objects.filter(pk=payload["previous_assignee_id"]).first()
    return {"introduced": schedule_handover_introduction(lead, new_owner, previous)}
