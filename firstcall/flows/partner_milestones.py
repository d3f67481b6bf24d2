"""A referred borrower reaches a milestone: the referral partners who asked to hear about it get one short note.

On `lead.stage_changed`, `loan.milestone` and `portal.milestone_recorded` (a letter issued, a contract date
recorded; after the commit, on the worker), for each partner who referred the
borrower:
1. only while the borrower shares milestones with that partner (portals.partners.is_shared), and only if the
   partner opted in on their portal (text and/or email, portals.partners.alert_preference);
2. the milestones are the partner's own page's, from its allow-list (flows.partner_portal.row_for): the five
   milestone words and the borrower's first name and last initial, never a stage such as Lost, its reason,
   credit, income or anything else of the file (RESPA section 8 and GLBA, REFERENCE.md 4.6-4.7);
3. each milestone is announced at most once per partner (portals.PartnerMilestoneNotice), so a repeated event,
   a move back and forth or a second source of the same milestone says nothing new;
4. the note is written to the messaging outbox as an alert to a user of the organisation (as the partner's
   sign-in link is, flows.portal_sign_in), so the compliance gate still applies the do-not-contact list."""

from django.db import transaction

from firstcall.events.models import Event
from firstcall.flows import partner_portal
from firstcall.leads.models import Lead
from firstcall.messaging.models import Message
from firstcall.messaging.outbox import queue_message
from firstcall.portals import branding, partners


def on_milestone(event: Event) -> dict:
    lead = (
        Lead.objects.select_related("stage", "pipeline", "organisation")
        .filter(pk=event.payload["lead_id"])
        .first()
    )
    if lead is None:
        return {"skipped": "no lead"}
    sent = []
    for partner in partners.referring_partners(lead):
        if not partner.is_active:
            continue
        preference = partners.alert_preference(partner)
        channels = [
            channel
            for channel, wanted, address in (
                ("sms", preference.by_text, partner.phone),
                ("email", preference.by_email, partner.email),
            )  # fmt: skip
            if wanted and address
        ]
        if not channels:
            continue
        row = partner_portal.row_for(partner, lead)
        if not row.shared:
            continue
        reached = [milestone for milestone in row.milestones if milestone.reached]
        with transaction.atomic():
            fresh = partners.claim_milestone_notices(lead, partner, [milestone.key for milestone in reached])
            if not fresh:
                continue
            titles = ", ".join(milestone.title for milestone in reached if milestone.key in fresh)
            name = branding.for_organisation(lead.organisation).name
            for channel in channels:
                message = queue_message(
                    None,
                    channel,
                    f"{name}: {row.borrower} reached {titles}.",
                    subject=f"{row.borrower}: {titles}",
                    purpose=Message.Purpose.ALERT,
                    is_marketing=False,
                    idempotency_key=f"partner-milestone:{lead.pk}:{partner.pk}:{channel}:{'+'.join(fresh)}",
                    to_address=partner.phone if channel == "sms" else partner.email,
                    recipient_user=partner,
                    organisation=lead.organisation,
                )
                sent.append(message.pk)
    return {"lead": lead.pk, "messages": sent}
