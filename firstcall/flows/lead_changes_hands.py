"""A lead changes hands after the borrower has heard from its loan officer (a handover accepted after a missed
response time, or a manager's reassignment of one lead or many).

1. routing.services assigns the lead and emits lead.assigned (how="handover" or "reassigned"); a manager handing
   many leads to one loan officer at once (reassign_leads) does so lead by lead and alerts the officer once for
   the batch;
2. then, in the same transaction, this module: the new loan officer introduces themselves to the borrower before
   anything else goes out in their name (messaging.first_touch.schedule_handover_introduction, through the outbox
   and its compliance gate), so the borrower never hears from a stranger."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.accounts.notifications import notify
from firstcall.events.models import Event
from firstcall.leads.models import Lead
from firstcall.messaging.first_touch import schedule_handover_introduction
from firstcall.routing.models import LeadOffer
from firstcall.routing.services import RoutingError, assign_lead, reassign_lead

INTRODUCED_ON = {"handover", "reassigned"}
# A summary alert names this many borrowers and counts the rest.
SUMMARY_ALERT_NAMES = 10


def reassign_leads(leads, new_owner, *, actor, reason: str = "") -> list:
    """Hand many leads to one loan officer at once (the lead list's and the team page's bulk assign).

    Each lead is reassigned as routing.services.reassign_lead does it (open offers withdrawn, an "assigned"
    event on its timeline with the reason), but the loan officer gets one alert for the batch, in the app and
    by text and email like a single new lead, instead of one per lead: forty texts in a row help nobody.
    Leads the officer already owns are left alone. Returns the leads reassigned; raises RoutingError, having
    changed nothing, when `new_owner` may not receive leads."""
    leads = [lead for lead in leads if lead.owner_id != new_owner.pk]
    if new_owner.role != User.Role.LOAN_OFFICER or any(
        lead.organisation_id != new_owner.organisation_id for lead in leads
    ):
        raise RoutingError("Leads can only go to loan officers of the same organisation.")
    if not leads:
        return []
    if len(leads) == 1:
        reassign_lead(leads[0], new_owner, actor=actor, reason=reason)
        return leads
    reason = reason or "manual reassignment"
    with transaction.atomic():
        LeadOffer.objects.filter(
            lead__in=[lead.pk for lead in leads], status__in=[LeadOffer.Status.OPEN, "queued"]
        ).update(status=LeadOffer.Status.WITHDRAWN, decided_at=timezone.now())
        for lead in leads:
            assign_lead(
                lead, new_owner, reason=reason, actor=actor, via=f"{actor}", alert=False, how="reassigned"
            )
        names = [lead.full_name or f"Lead {lead.pk}" for lead in leads]
        listed = ", ".join(names[:SUMMARY_ALERT_NAMES])
        if len(names) > SUMMARY_ALERT_NAMES:
            listed += f" and {len(names) - SUMMARY_ALERT_NAMES} more"
        # Their own leads, most recently updated first: the ones just handed over are at the top.
        url = f"{reverse('lead_list')}?owner={new_owner.pk}&sort=updated"
        notify(
            new_owner,
            kind="new_lead",
            title=f"{len(leads)} leads assigned to you by {actor}",
            body=f"{listed}. Reason: {reason}",
            url=url,
            by_sms=True,
            by_email=bool(new_owner.email),
        )
    return leads


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
