"""What the journeys do when something happens elsewhere: the events they react to, all in one place.
IN_TRANSACTION runs inside the transaction that made the change (it commits or rolls back with it); SUBSCRIBERS
runs on the worker after the commit. See firstcall/events/registry.py and docs/events.md."""

from firstcall.flows import (
    appointment_booked,
    borrower_opts_out,
    borrower_replies,
    human_contact,
    lead_changes_hands,
    partner_milestones,
    reply_understood,
    stage_changes,
)

IN_TRANSACTION = {
    "message.received": [borrower_replies.after_reply],
    "address.opted_out": [borrower_opts_out.after_opt_out],
    "lead.stage_changed": [stage_changes.after_stage_change],
    "message.sent": [human_contact.after_message_sent],
    "lead.assigned": [lead_changes_hands.after_assignment],
    "appointment.booked": [appointment_booked.after_appointment],
}

SUBSCRIBERS: dict = {
    # Read the reply, do the obvious next thing, draft the answer (the assistant; after the commit, on the worker).
    "message.received": [reply_understood.on_message_received],
    # Tell the referral partners who opted in (and with whom the borrower shares) of a milestone, once.
    "lead.stage_changed": [partner_milestones.on_milestone],
    "loan.milestone": [partner_milestones.on_milestone],
    "portal.milestone_recorded": [partner_milestones.on_milestone],
}
