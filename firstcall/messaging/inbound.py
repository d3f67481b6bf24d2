"""Inbound: a borrower's text (STOP, HELP, START, a possible opt-out, an ordinary reply) is stored and acted
on; every reply on a known lead goes on its timeline and is announced as message.received.
"""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation
from firstcall.compliance.engine import optout
from firstcall.events.outbox import emit
from firstcall.leads.models import Consent, Lead, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.lib.phones import display_phone
from firstcall.messaging import compliance
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.optout import (
    add_suppression,
    grant_consent,
    leads_with_address,
    lift_suppression,
    opt_out_address,
    suppress_pending_messages,
)
from firstcall.messaging.outbox import (
    SELF_SERVICE_SMS_REASONS,
    SMS,
    active_suppression_reason,
    normalise_address,
    queue_message,
    storable_text,
)

# ---------------------------------------------------------------------------------------------- inbound


def find_organisation_for_number(to_number: str) -> Organisation | None:
    """The organisation that owns the number the borrower texted, or the only one in a one-organisation
    install."""
    number = normalise_address(SMS, to_number)
    if number:
        owner = Organisation.objects.filter(sms_from_number=number).first()
        if owner is not None:
            return owner
    organisations = list(Organisation.objects.all()[:2])
    return organisations[0] if len(organisations) == 1 else None


def find_lead_by_phone(organisation, phone: str) -> Lead | None:
    candidates = list(
        Lead.objects.filter(organisation=organisation, phone=phone)
        .select_related("stage", "organisation")
        .order_by("-last_inquiry_at", "-id")[:5]
    )
    for lead in candidates:
        if not lead.stage.is_closed:
            return lead
    return candidates[0] if candidates else None


def help_reply_text(organisation, language: str = "en") -> str:
    """The HELP answer (CTIA, REFERENCE §4.4): brand, a contact, message frequency, "Msg & data rates may
    apply" and how to stop. The organisation's own text is used when it has every part."""
    contact = (
        (display_phone(organisation.sms_from_number) if organisation.sms_from_number else "")
        or organisation.postal_address
        or organisation.name
    )
    program = optout.Program(brand=organisation.name, contact=contact)
    own = organisation.help_text or ""
    if language == "en" and not optout.help_reply_problems(own, program):
        return own
    return optout.help_reply(program, language)


OPT_OUT_CONFIRMATION = (
    "{org}: you're unsubscribed and will get no more texts from us. Reply START to resubscribe."
)
OPT_IN_CONFIRMATION = (
    "{org}: you're subscribed to texts again. Msg & data rates may apply. "
    "Reply HELP for help, STOP to opt out."
)


def receive_inbound_sms(
    *,
    organisation: Organisation,
    from_number: str,
    to_number: str,
    body: str,
    provider_message_id: str,
    provider: str = "twilio",
) -> tuple[Message, bool]:
    """Record a text from a borrower and act on it (STOP, HELP, START, possible opt-out). Returns (message,
    is_new); a provider's retry of the same MessageSid is recognised and changes nothing."""
    key = f"inbound:sms:{provider_message_id}" if provider_message_id else f"inbound:sms:{uuid.uuid4().hex}"
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    address = normalise_address(SMS, from_number)
    our_number = normalise_address(SMS, to_number)
    with transaction.atomic():
        lead = find_lead_by_phone(organisation, address) if address else None
        keyword = compliance.classify_inbound_keywords(body or "")
        kind = keyword.kind
        suppression_reason = active_suppression_reason(organisation.pk, SMS, address)
        if kind == "opt_in" and keyword.matched == "YES" and suppression_reason is None:
            kind = "none"  # YES re-subscribes only an opted-out number; otherwise it is an ordinary answer
        if not address:
            kind = "none"  # no sender number: nothing to opt out or answer
        now = timezone.now()
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    organisation=organisation,
                    lead=lead,
                    channel=SMS,
                    direction=Message.Direction.INBOUND,
                    purpose=Message.Purpose.REPLY,
                    to_address=our_number,
                    from_address=address,
                    body=storable_text(body),
                    status=Message.Status.RECEIVED,
                    idempotency_key=key,
                    provider=provider,
                    provider_message_id=(provider_message_id or "")[:100],
                    keyword="" if kind == "none" else kind,
                    needs_review=kind == "possible_opt_out" or keyword.needs_review,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            return Message.objects.get(idempotency_key=key), False

        reply = dict(
            lead=lead,
            organisation=organisation,
            to_address=address,
            from_address=our_number or None,
            is_marketing=False,
        )
        if kind == "opt_out":
            outcome = opt_out_address(
                organisation,
                SMS,
                address,
                reason=Suppression.Reason.STOP_KEYWORD,
                how=f"{keyword.matched} reply",
                source_message=message,
            )
            if outcome.is_new_opt_out:
                queue_message(
                    body=OPT_OUT_CONFIRMATION.format(org=organisation.name),
                    channel=SMS,
                    purpose=Message.Purpose.OPT_OUT_CONFIRMATION,
                    idempotency_key=f"opt-out-confirmation:{message.pk}",
                    **reply,
                )
        elif kind == "possible_opt_out":
            _hold_for_review(organisation, address, message, keyword.matched)
        elif kind == "help":
            queue_message(
                body=help_reply_text(organisation, keyword.language),
                channel=SMS,
                purpose=Message.Purpose.HELP_REPLY,
                idempotency_key=f"help-reply:{message.pk}",
                **reply,
            )
        elif kind == "opt_in":
            _opt_in(organisation, address, message, keyword.matched, reply)
        if lead is not None:
            on_inbound_reply(lead, message)
        emit_message_received(message)
    return message, True


PORTAL = Message.ChannelKind.PORTAL
PORTAL_MESSAGE_LIMIT = 2000


def receive_portal_message(lead: Lead, body: str, *, ip_address=None) -> Message:
    """A message the borrower wrote in the borrower portal: an inbound message on the lead's thread, handled like
    a reply (timeline, message.received: cadences that stop on a reply stop, the owner is alerted, the assistant
    reads it). Words that may revoke consent ("stop texting me") are flagged for a person, never acted on
    silently: the portal's own preferences page is where consent is changed."""
    text = storable_text((body or "").strip())[:PORTAL_MESSAGE_LIMIT]
    if not text:
        raise ValueError("A message needs some text.")
    keyword = compliance.classify_inbound_keywords(text)
    # A person confirming the flag opts the borrower's number out (resolve_possible_opt_out), so only with one.
    flagged = bool(lead.phone) and (keyword.kind in ("opt_out", "possible_opt_out") or keyword.needs_review)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            organisation_id=lead.organisation_id,
            lead=lead,
            channel=PORTAL,
            direction=Message.Direction.INBOUND,
            purpose=Message.Purpose.REPLY,
            from_address=lead.phone,
            body=text,
            status=Message.Status.RECEIVED,
            idempotency_key=f"inbound:portal:{uuid.uuid4().hex}",
            provider="portal",
            keyword="possible_opt_out" if flagged else "",
            needs_review=flagged,
            created_at=now,
            updated_at=now,
        )
        on_inbound_reply(lead, message)
        emit_message_received(message)
    return message


def _hold_for_review(organisation, address: str, message: Message, phrase: str) -> None:
    """Free text that may be a revocation ("please stop texting me"): stop sending now, let a person
    decide."""
    add_suppression(
        organisation,
        SMS,
        address,
        reason=Suppression.Reason.PENDING_REVIEW,
        note=f"possible opt-out: {phrase}"[:300],
        source_message=message,
    )
    suppress_pending_messages(
        organisation, SMS, address, reason=f"possible opt-out reply ({phrase}); awaiting review"
    )


def _opt_in(organisation, address: str, message: Message, matched: str, reply: dict) -> None:
    lifted = lift_suppression(
        organisation, SMS, address, why=f"{matched} reply", only_reasons=SELF_SERVICE_SMS_REASONS
    )
    granted = 0
    for lead in leads_with_address(organisation, SMS, address).filter(consent_sms=False):
        grant_consent(lead, SMS, how=f"{matched} reply")
        granted += 1
    if active_suppression_reason(organisation.pk, SMS, address):
        # The organisation's own do-not-contact entry (manual, DNC import) stays until a person lifts it.
        Message.objects.filter(pk=message.pk).update(needs_review=True)
        return
    if lifted or granted:
        queue_message(
            body=OPT_IN_CONFIRMATION.format(org=organisation.name),
            channel=SMS,
            purpose=Message.Purpose.OPT_IN_CONFIRMATION,
            idempotency_key=f"opt-in-confirmation:{message.pk}",
            **reply,
        )


def resolve_possible_opt_out(message: Message, *, is_opt_out: bool, actor=None) -> None:
    """A person read a flagged reply: confirm it as an opt-out (consent revoked; no confirmation text, which
    may only go within 5 minutes of the reply) or clear it."""
    organisation, address = message.organisation, message.from_address
    with transaction.atomic():
        if is_opt_out:
            opt_out_address(
                organisation,
                SMS,
                address,
                reason=Suppression.Reason.STOP_KEYWORD,
                how="free-text reply confirmed as opt-out",
                actor=actor,
                source_message=message,
            )
            # No confirmation text now: it may only go within 5 minutes of the borrower's message
            # (47 CFR 64.1200(a)(12)), and a review can come much later.
        else:
            lift_suppression(
                organisation,
                SMS,
                address,
                why="reviewed: not an opt-out",
                only_reasons=[Suppression.Reason.PENDING_REVIEW],
            )
            _undo_revocation_by(message, actor=actor)
        Message.objects.filter(pk=message.pk).update(needs_review=False, updated_at=timezone.now())


def _undo_revocation_by(message: Message, *, actor=None) -> None:
    """A reply honoured at once as a revocation and then judged by a person not to be one: its do-not-contact
    entry is lifted and the consent it revoked (texts, and calls to the same number) comes back."""
    lifted = Suppression.objects.filter(source_message=message, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_reason="reviewed: not an opt-out"
    )
    if not lifted:
        return
    how = "reviewed: the reply was not an opt-out"
    for lead in leads_with_address(message.organisation, SMS, message.from_address):
        if not lead.consent_sms:
            grant_consent(lead, SMS, how=how, actor=actor)
        revoked_calls = Consent.objects.filter(
            lead=lead, channel="calls", is_granted=False, recorded_at__gte=message.created_at,
            how__contains="a text revocation covers calls",
        ).exists()  # fmt: skip
        if revoked_calls and not lead.consent_calls:
            Consent.objects.create(lead=lead, channel="calls", is_granted=True, address=lead.phone, how=how)
            Lead.objects.filter(pk=lead.pk).update(consent_calls=True)


def emit_message_received(message: Message) -> None:
    emit(
        "message.received",
        organisation_id=message.organisation_id,
        message_id=message.pk,
        lead_id=message.lead_id,
        channel=message.channel,
        keyword=message.keyword,
    )


def on_inbound_reply(lead: Lead, message: Message) -> None:
    """Every inbound message on a known lead is put on its timeline here. What follows (cadences stop on a
    reply, the score counts it, the owner is alerted) is firstcall/flows/borrower_replies.py, on the
    message.received event emitted right after."""
    label = {
        "opt_out": " (opt-out)",
        "opt_in": " (opt-in)",
        "help": " (HELP)",
        "possible_opt_out": " (possible opt-out: needs review)",
    }.get(message.keyword, "")
    record_event(
        lead,
        TimelineEvent.Kind.MESSAGE,
        f"{message.get_channel_display()} received from the borrower{label}",
        data={
            "message_id": message.pk,
            "direction": "inbound",
            "channel": message.channel,
            "keyword": message.keyword,
        },
    )
