"""Opt-outs and consent by address: suppressions (STOP, unsubscribe, manual, bounce, DNC), lifting them (START),
the one-click unsubscribe, and consent given by the borrower's own message.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation
from firstcall.events.outbox import emit
from firstcall.leads.models import Consent, Lead, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message, SendDecision, Suppression
from firstcall.messaging.outbox import (
    CONSENT_FIELD,
    EMAIL,
    SMS,
    SUPPRESSED,
    normalise_address,
)

# ----------------------------------------------------------------------------------- suppression & consent


def add_suppression(
    organisation,
    channel: str,
    address: str,
    *,
    reason: str,
    note: str = "",
    actor=None,
    source_message: Message | None = None,
) -> tuple[Suppression, bool]:
    """One active entry per address (a partial unique constraint); returns (entry, created)."""
    address = normalise_address(channel, address)
    existing = Suppression.objects.filter(
        organisation=organisation, channel=channel, address=address, lifted_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = Suppression.objects.create(
                organisation=organisation,
                channel=channel,
                address=address,
                reason=reason,
                note=note[:300],
                created_by=actor,
                source_message=source_message,
            )
    except IntegrityError:
        return Suppression.objects.get(
            organisation=organisation, channel=channel, address=address, lifted_at__isnull=True
        ), False
    return entry, True


def lift_suppression(organisation, channel: str, address: str, *, why: str, only_reasons=None) -> int:
    entries = Suppression.objects.filter(
        organisation=organisation,
        channel=channel,
        address=normalise_address(channel, address),
        lifted_at__isnull=True,
    )
    if only_reasons is not None:
        entries = entries.filter(reason__in=list(only_reasons))
    return entries.update(lifted_at=timezone.now(), lifted_reason=why[:300])


def leads_with_address(organisation, channel: str, address: str):
    if not address:
        return Lead.objects.none()
    if channel == SMS:
        return Lead.objects.filter(organisation=organisation, phone=address)
    return Lead.objects.filter(organisation=organisation, email__iexact=address)


def suppress_pending_messages(organisation, channel: str, address: str, *, reason: str) -> int:
    """Stop every queued or held message to this address at once (not answers to the person's own request)."""
    now = timezone.now()
    pending = Message.objects.filter(
        organisation=organisation,
        channel=channel,
        to_address=address,
        direction=Message.Direction.OUTBOUND,
        status__in=Message.SENDABLE_STATUSES,
    ).exclude(purpose__in=list(Message.RESPONSE_PURPOSES))
    message_ids = list(pending.values_list("pk", flat=True))
    if not message_ids:
        return 0
    count = Message.objects.filter(pk__in=message_ids, status__in=Message.SENDABLE_STATUSES).update(
        status=Message.Status.SUPPRESSED, status_reason=reason[:500], updated_at=now
    )
    SendDecision.objects.bulk_create(
        SendDecision(message_id=pk, outcome=SUPPRESSED, reasons=[reason], decided_at=now)
        for pk in message_ids
    )
    return count


@dataclass(frozen=True)
class OptOutResult:
    suppression: Suppression
    is_new_opt_out: bool  # False when the address had already opted itself out
    messages_suppressed: int
    leads_revoked: int


def opt_out_address(
    organisation,
    channel: str,
    address: str,
    *,
    reason: str,
    how: str,
    note: str = "",
    source_message: Message | None = None,
    actor=None,
) -> OptOutResult:
    """Honour an opt-out organisation-wide: suppression entry, consent revoked on every lead with the address,
    every pending message to it suppressed, at once (FCC 24-24 allows up to 10 business days; we do it
    now)."""
    from firstcall.leads.services import revoke_consent

    address = normalise_address(channel, address)
    entry, created = add_suppression(
        organisation,
        channel,
        address,
        reason=reason,
        note=note or how,
        actor=actor,
        source_message=source_message,
    )
    already_opted_out = not created and entry.reason in (
        Suppression.Reason.STOP_KEYWORD,
        Suppression.Reason.UNSUBSCRIBE,
    )
    if not created and entry.reason == Suppression.Reason.PENDING_REVIEW and reason != entry.reason:
        # A possible opt-out now confirmed: the entry becomes the definite kind.
        Suppression.objects.filter(pk=entry.pk).update(reason=reason, note=(note or how)[:300])
        entry.reason = reason
    revoked = 0
    if reason != Suppression.Reason.PENDING_REVIEW:
        for lead in leads_with_address(organisation, channel, address).filter(
            **{CONSENT_FIELD[channel]: True}
        ):
            revoke_consent(lead, channel, how=how, actor=actor, kind=reason)
            revoked += 1
    suppressed = suppress_pending_messages(
        organisation, channel, address, reason=f"recipient opted out ({how})"
    )
    if reason != Suppression.Reason.PENDING_REVIEW:
        # Suppression is organisation-wide, so every lead with the address leaves its cadences
        # (firstcall/flows/borrower_opts_out.py, in this transaction).
        emit(
            "address.opted_out",
            organisation_id=organisation.pk,
            channel=channel,
            reason=reason,
            lead_ids=list(leads_with_address(organisation, channel, address).values_list("pk", flat=True)),
        )
    return OptOutResult(entry, not already_opted_out, suppressed, revoked)


def grant_consent(
    lead: Lead,
    channel: str,
    *,
    how: str,
    actor=None,
    disclosure_text: str = "",
    ip_address=None,
    user_agent: str = "",
    page_url: str = "",
) -> Consent:
    """Consent given by the borrower (START, or the borrower portal with the text they agreed to and where from).
    leads.services has only revoke_consent; this mirrors it. `channel` is sms, email or calls."""
    address = (lead.email or "").lower() if channel == EMAIL else lead.phone or ""
    consent = Consent.objects.create(
        lead=lead,
        channel=channel,
        is_granted=True,
        address=address,
        how=how[:200],
        disclosure_text=disclosure_text,
        ip_address=ip_address,
        user_agent=user_agent[:500],
        page_url=page_url[:1000],
    )
    field = CONSENT_FIELD.get(channel, f"consent_{channel}")
    Lead.objects.filter(pk=lead.pk).update(**{field: True})
    setattr(lead, field, True)
    record_event(
        lead,
        TimelineEvent.Kind.CONSENT_RECORDED,
        f"Consent for {channel} given ({how})",
        actor=actor,
        data={"channels": [channel], "how": how},
    )
    return consent


# ------------------------------------------------------------------------------------------ unsubscribe


def unsubscribe_email(target) -> OptOutResult | None:
    """The one-click unsubscribe (RFC 8058) and its confirm page both land here; repeat clicks change
    nothing."""
    organisation = Organisation.objects.filter(pk=target.organisation_id).first()
    if organisation is None or not target.address:
        return None
    with transaction.atomic():
        return opt_out_address(
            organisation,
            EMAIL,
            target.address,
            reason=Suppression.Reason.UNSUBSCRIBE,
            how="email unsubscribe link",
        )
