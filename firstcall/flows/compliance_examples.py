"""Examples of held and refused touches for the demo lender, made by the real gate, each on its lead's timeline with
the reasons (and in the compliance log with each rule's citation and version):

- a call at 10 p.m. in the borrower's time, held until the calling window opens;
- a call to a number on the National Do Not Call Registry that no relationship or signed agreement covers, refused;
- a marketing text at 10 p.m. in the borrower's time, held for quiet hours until the window opens (it waits in the
  outbox, and the worker sends it then after a fresh decision);
- a marketing text to a number whose owner replied STOP, refused;
- a marketing text to a borrower who never gave text consent, refused;
- a marketing text queued by the processor, who holds no NMLS licence, refused (SAFE Act: every marketing message
  names the loan officer's and the company's NMLS IDs).

The examples are leads worked by loan officers (who, like the company, have NMLS IDs, so ordinary demo sends go
out); the decisions of the 10 p.m. examples are made for the latest 10 p.m. in the borrower's time."""

import uuid
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.compliance.models import NationalDncNumber
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.models import Consent, Lead, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.services import (
    HELD,
    SUPPRESSED,
    decide_send,
    enqueue_delivery,
    queue_message,
    receive_inbound_sms,
)

EXAMPLES = (
    "held_call",
    "national_dnc_call",
    "held_text",
    "opted_out_text",
    "no_consent_text",
    "no_nmls_text",
)


def _last_ten_pm(lead: Lead) -> datetime:
    """The latest 10 p.m. in the borrower's time zone (never in the future)."""
    zone = ZoneInfo(lead.time_zone or "America/New_York")
    local = timezone.now().astimezone(zone)
    night = datetime.combine(local.date(), time(22), tzinfo=zone)
    return (night if night <= local else night - timedelta(days=1)).astimezone(UTC)


def _example_leads(organisation) -> dict[str, Lead]:
    """Leads worked by loan officers with a phone number, oldest first: with text and call consent for every
    example but one, and for the "no consent" example a borrower who gave none (an open-house sign-in sheet)."""
    opted_out = Suppression.objects.filter(organisation=organisation, channel="sms").values("address")
    worked = (
        Lead.objects.filter(organisation=organisation, owner__role=User.Role.LOAN_OFFICER)
        .exclude(phone="")
        .exclude(phone__in=opted_out)
        .select_related("owner", "organisation")
        .order_by("pk")
    )
    consented = list(worked.filter(consent_sms=True, consent_calls=True)[: len(EXAMPLES) - 1])
    unconsented = worked.filter(consent_sms=False).first()
    if len(consented) < len(EXAMPLES) - 1 or unconsented is None:
        return {}
    names = [name for name in EXAMPLES if name != "no_consent_text"]
    return {**dict(zip(names, consented, strict=True)), "no_consent_text": unconsented}


def _marketing_text(lead: Lead, example: str, body: str, *, sent_by=None) -> Message:
    return queue_message(
        lead,
        "sms",
        body,
        purpose="cadence",
        is_marketing=True,
        sent_by=sent_by,
        idempotency_key=f"demo-compliance-example:{example}:{lead.pk}",
    )


def _decide(message: Message, at: datetime) -> str:
    """The outbox's decision for the message at ``at``, acted on as the worker acts on it: held until the window
    opens (and sent then, after a fresh decision) or suppressed, with the reasons on the lead's timeline."""
    gate = decide_send(message, at)
    label = f"{message.get_purpose_display()} {message.get_channel_display().lower()}"
    if gate.outcome == HELD:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.HELD,
            held_until=gate.held_until,
            next_attempt_at=gate.held_until,
            status_reason=gate.summary,
            created_at=min(message.created_at, at),
            updated_at=timezone.now(),
        )
        local = ""
        if gate.zones:
            local = f" ({gate.held_until.astimezone(ZoneInfo(gate.zones[0])):%a %-I:%M %p %Z})"
        record_event(
            Lead(pk=message.lead_id),
            TimelineEvent.Kind.MESSAGE,
            f"{label} held until {gate.held_until:%Y-%m-%d %H:%M} UTC{local}"
            + (f": {gate.decision.summary}"[:400] if gate.decision else ""),
            data={"message_id": message.pk, "held_until": gate.held_until.isoformat()},
        )
        transaction.on_commit(partial(enqueue_delivery, message.pk, run_after=gate.held_until), robust=True)
    elif gate.outcome == SUPPRESSED:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SUPPRESSED, status_reason=gate.summary, updated_at=timezone.now()
        )
        record_event(
            Lead(pk=message.lead_id),
            TimelineEvent.Kind.MESSAGE,
            f"{label} not sent: {gate.summary}",
            data={"message_id": message.pk},
        )
    return gate.outcome


@transaction.atomic
def seed_compliance_examples(organisation) -> dict:
    """Returns the lead ids used, by example (empty when the organisation has too few leads)."""
    used = _example_leads(organisation)
    if not used:
        return {}

    # 1. A call at 10 p.m. in the borrower's time zone: held until the window opens.
    lead = used["held_call"]
    calls.check_call(lead, actor=lead.owner, at=_last_ten_pm(lead))

    # 2. The borrower's number is on the National DNC Registry and no relationship or signed agreement covers it.
    lead = used["national_dnc_call"]
    NationalDncNumber.objects.get_or_create(
        organisation=organisation, phone=lead.phone, defaults={"area_code": lead.phone[2:5]}
    )
    Consent.objects.filter(lead=lead, channel="calls").update(disclosure_text="")
    Lead.objects.filter(pk=lead.pk).update(last_inquiry_at=timezone.now() - timedelta(days=200))
    lead.refresh_from_db()
    calls.check_call(lead, actor=lead.owner)

    # 3. A cadence text at 10 p.m. in the borrower's time: held for quiet hours.
    lead = used["held_text"]
    message = _marketing_text(
        lead, "held_text", "Hi, it's your loan officer: rates moved today. Want me to run your numbers again?"
    )
    _decide(message, _last_ten_pm(lead))

    # 4. The borrower replied STOP (through the real inbound path); the next cadence text is refused.
    lead = used["opted_out_text"]
    receive_inbound_sms(
        organisation=organisation,
        from_number=lead.phone,
        to_number=organisation.sms_from_number or "+15555550100",
        body="STOP",
        provider_message_id=f"demo-stop-{uuid.uuid4().hex}",
        provider="demo",
    )
    message = _marketing_text(
        lead, "opted_out_text", "Still thinking about buying? I can run new numbers today."
    )
    _decide(message, timezone.now())

    # 5. A marketing text to a borrower who never gave text consent.
    lead = used["no_consent_text"]
    message = _marketing_text(
        lead, "no_consent_text", "Rates moved today: want me to run your numbers again?"
    )
    _decide(message, timezone.now())

    # 6. A marketing text queued by the processor, who holds no NMLS licence: refused under the SAFE Act.
    lead = used["no_nmls_text"]
    processor = User.objects.filter(organisation=organisation, role=User.Role.PROCESSOR, nmls_id="").first()
    if processor is not None:
        message = _marketing_text(
            lead,
            "no_nmls_text",
            "Good news: our spring purchase special is back. Reply to hear more.",
            sent_by=processor,
        )
        _decide(message, timezone.now())

    return {example: lead.pk for example, lead in used.items()}
