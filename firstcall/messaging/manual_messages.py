"""A person writing to the borrower from the lead page: what blocks each channel, and sending through the
outbox (messaging.services.queue_message with sent_by, so the SLA clock stops when the provider accepts it).

The compose box is disabled, with the reason, when the message could never go: no address, the address is
on the organisation's do-not-contact list (STOP, unsubscribe, bounce, import), or the borrower has not given
(or has revoked) consent for the channel. The messaging gate re-checks all of this at send time, and applies
quiet hours (a text written at 10 p.m. borrower time is held until morning, never dropped).

Texts written by a person are sent as conversational, not marketing: they answer this borrower's own inquiry,
so the marketing frequency caps do not hold a reply back (quiet hours still apply). Emails carry the
CAN-SPAM footer (postal address, unsubscribe link) because a loan officer's email to a prospect is
commercial (15 U.S.C. 7704(a)(5); REFERENCE.md §4.5).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from firstcall.leads.models import Consent, Lead
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.services import EMAIL, SMS, normalise_address, queue_message

MANUAL_IS_MARKETING = {SMS: False, EMAIL: True}
MAX_SMS_LENGTH = 1600  # ten segments: providers refuse longer texts
MAX_EMAIL_LENGTH = 20_000
CHANNEL_WORDS = {SMS: "texts", EMAIL: "email"}


class ComposeRefused(ValueError):
    pass


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    address: str
    blocked_reason: str  # "" when a person may write on this channel

    @property
    def is_open(self) -> bool:
        return not self.blocked_reason


def channel_statuses(lead: Lead, consents: list[Consent] | None = None) -> dict[str, ChannelStatus]:
    """{"sms": ChannelStatus, "email": ChannelStatus} in one query (the active suppressions of both
    addresses). `consents` (newest first), when the caller already has them, explains a revocation."""
    addresses = {SMS: normalise_address(SMS, lead.phone), EMAIL: normalise_address(EMAIL, lead.email)}
    wanted = Q(pk__in=[])
    for channel, address in addresses.items():
        if address:
            wanted |= Q(channel=channel, address=address)
    suppressions = {
        row.channel: row
        for row in Suppression.objects.filter(
            organisation_id=lead.organisation_id, lifted_at__isnull=True
        ).filter(wanted)
    }
    latest_consent = {}
    for consent in consents or []:
        latest_consent.setdefault(consent.channel, consent)
    statuses = {}
    for channel, address in addresses.items():
        words = CHANNEL_WORDS[channel]
        reason = ""
        if not address:
            reason = "No mobile number on file." if channel == SMS else "No email address on file."
        elif channel in suppressions:
            entry = suppressions[channel]
            reason = f"On the do-not-contact list: {entry.get_reason_display().lower()}"
            reason += f" ({entry.note})." if entry.note else "."
        elif not getattr(lead, f"consent_{channel}"):
            consent = latest_consent.get(channel)
            if consent is not None and not consent.is_granted:
                how = f" ({consent.how})" if consent.how else ""
                reason = f"Consent to {words} was revoked on {consent.recorded_at:%Y-%m-%d}{how}."
            else:
                reason = f"The borrower has not agreed to {words}."
        statuses[channel] = ChannelStatus(channel=channel, address=address, blocked_reason=reason)
    return statuses


@transaction.atomic
def send_manual_message(
    lead: Lead, *, channel: str, body: str, subject: str = "", actor, send_key: str = ""
) -> Message:
    """Queue a message written by `actor`. `send_key` (a token from the form) makes a double-submitted form
    send once."""
    if channel not in (SMS, EMAIL):
        raise ComposeRefused("Choose text or email.")
    body = (body or "").strip()
    subject = " ".join((subject or "").split())
    if not body:
        raise ComposeRefused("Write a message first.")
    limit = MAX_SMS_LENGTH if channel == SMS else MAX_EMAIL_LENGTH
    if len(body) > limit:
        raise ComposeRefused(f"That message is too long ({len(body)} characters; the limit is {limit}).")
    if channel == EMAIL and not subject:
        raise ComposeRefused("An email needs a subject.")
    lead = Lead.objects.select_related("organisation").get(pk=lead.pk)
    status = channel_statuses(lead, list(lead.consents.filter(channel=channel)[:1]))[channel]
    if not status.is_open:
        raise ComposeRefused(status.blocked_reason)
    key = f"manual:{lead.pk}:{actor.pk}:{send_key}"[:200] if send_key else None
    return queue_message(
        lead,
        channel,
        body,
        subject=subject if channel == EMAIL else None,
        purpose=Message.Purpose.MANUAL,
        is_marketing=MANUAL_IS_MARKETING[channel],
        sent_by=actor,
        idempotency_key=key,
    )
