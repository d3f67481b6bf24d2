"""A lead arrives, from any channel: capture -> score -> start the SLA clock -> route (the chosen loan officer is
alerted) -> first touch to the borrower (with a link to book a call with that officer) -> enrol in cadences. One transaction: if any step fails, nothing is kept
but the intake record; the texts and emails it queued are delivered when it commits."""

from django.db import transaction

from firstcall.cadences.services import enrol_new_lead
from firstcall.integrations.calendar.services import booking_link_for
from firstcall.leads.scoring_service import rescore_lead
from firstcall.leads.services import CREATED, CaptureResult, capture
from firstcall.messaging.first_touch import schedule_first_touch
from firstcall.routing.services import route_lead, start_sla_clock


def lead_arrives(submission, *, organisation, intake_record, source=None, actor=None) -> CaptureResult:
    """What every intake adapter calls. Returns capture()'s result (created, merged, rejected, or a replay)."""
    with transaction.atomic():
        result = capture(
            submission, organisation=organisation, intake_record=intake_record, source=source, actor=actor
        )
        if not result.is_accepted or result.is_replay:
            return result  # rejected (kept as an intake record) or a repeat delivery: nothing more happens
        lead, is_new = result.lead, result.outcome == CREATED

        if is_new:
            rescore_lead(lead, trigger="capture", reply_count=0)  # a lead created a moment ago has no replies
        else:
            rescore_lead(lead, trigger="new inquiry")

        # A new lead is routed; a returning borrower's lead only when nobody holds it or has an open offer.
        if is_new or (lead.owner_id is None and not lead.offers.filter(status="open").exists()):
            if not lead.respond_by:
                start_sla_clock(lead)
            route_lead(lead, trigger="capture")  # assigning alerts the loan officer (in-app, text, email)

        if is_new and lead.organisation.first_touch_enabled:
            schedule_first_touch(lead, booking_link=booking_link_for(lead))

        if is_new:
            enrol_new_lead(lead)
    return result
