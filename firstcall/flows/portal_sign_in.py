"""A borrower or partner asks for a portal sign-in link: find the person the address belongs to, issue a link,
and send it through the messaging outbox, so the compliance gate (consent, do-not-contact) decides whether it
goes. The answer to the person asking is the same whether or not the address is known."""

from django.db import transaction

from firstcall.messaging.models import Message
from firstcall.messaging.outbox import queue_message
from firstcall.portals import services as portals


def send_sign_in_link(organisation, raw_address: str, *, link_url, ip_address=None) -> Message | None:
    """`link_url(token)` builds the absolute URL. Returns the queued message, or None for an unknown address."""
    recipient = portals.find_recipient(organisation, raw_address)
    if recipient is None:
        return None
    with transaction.atomic():
        token = portals.issue_link(organisation, recipient, ip_address=ip_address)
        minutes = int(portals.link_lifetime().total_seconds() // 60)
        body = (
            f"Your {organisation.name} sign-in link (valid {minutes} minutes, works once): {link_url(token)}"
        )
        is_partner = recipient.user is not None
        return queue_message(
            recipient.lead,
            recipient.channel,
            body,
            subject=f"Your {organisation.name} sign-in link",
            # A partner is a user of the organisation (like an alert); a borrower's link is a transactional
            # message to the borrower that the gate checks against their consent and opt-outs.
            purpose=Message.Purpose.ALERT if is_partner else Message.Purpose.MANUAL,
            is_marketing=False,
            to_address=recipient.address,
            recipient_user=recipient.user,
            organisation=organisation,
        )


def send_link_to_lead(lead, *, link_url, actor=None, ip_address=None) -> Message | None:
    """A loan officer sends (or sends again) this borrower's portal link: by email when the lead has an address,
    else by text, through the outbox like any sign-in link (the gate checks consent and opt-outs)."""
    if lead.email:
        recipient = portals.Recipient(portals.SignInLink.Party.BORROWER, "email", lead.email, lead=lead)
    elif lead.phone:
        recipient = portals.Recipient(portals.SignInLink.Party.BORROWER, "sms", lead.phone, lead=lead)
    else:
        return None
    organisation = lead.organisation
    with transaction.atomic():
        token = portals.issue_link(organisation, recipient, ip_address=ip_address, actor=actor)
        minutes = int(portals.link_lifetime().total_seconds() // 60)
        return queue_message(
            lead,
            recipient.channel,
            f"Your {organisation.name} portal: see where your loan is, upload documents and message your loan "
            f"officer. Sign in (valid {minutes} minutes, works once): {link_url(token)}",
            subject=f"Your {organisation.name} sign-in link",
            purpose=Message.Purpose.MANUAL,
            is_marketing=False,
            to_address=recipient.address,
            organisation=organisation,
        )
