"""The messaging core: queue a message in the caller's transaction, gate it, deliver it exactly once, handle
replies.

Life of an outbound message (DESIGN.md §1 "Outbox for every message"):

    queue_message()  -> Message(queued) written in the caller's transaction; delivery enqueued on commit
    deliver()        -> claim (UPDATE queued/held -> sending, 1 row or nothing), re-check the compliance gate,
                        provider.send() with the idempotency key, then sent / queued with backoff / failed
    sweep_due_messages() -> re-enqueues what is due (held until 8 a.m., retries) and recovers messages left in
                        "sending" by a dead worker; the provider's idempotency key makes the resend harmless

The message row is the truth; tasks are only hints, so a lost task is a delay, never a lost or doubled text.
"""

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from firstcall.accounts.models import Organisation
from firstcall.events.outbox import emit
from firstcall.leads.models import Consent, Lead
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.messaging import compliance
from firstcall.messaging.models import Message, SendDecision, Suppression
from firstcall.messaging.providers import (
    PermanentProviderError,
    ProviderError,
    ProviderResult,
    TransientProviderError,
    get_provider,
)
from firstcall.pipeline.models import TimelineEvent
from firstcall.pipeline.services import record_event

logger = logging.getLogger(__name__)

ALLOWED = SendDecision.Outcome.ALLOWED
HELD = SendDecision.Outcome.HELD
SUPPRESSED = SendDecision.Outcome.SUPPRESSED

# Waits before attempt 2, 3, ...: quick at first (a blip), then patient (an outage). The last one repeats.
RETRY_DELAYS_SECONDS = (10, 30, 120, 600, 1800, 3600)
SMS, EMAIL = Message.ChannelKind.SMS, Message.ChannelKind.EMAIL
CONSENT_FIELD = {SMS: "consent_sms", EMAIL: "consent_email"}
# Opt-outs a borrower can undo by texting START; an organisation's own entries (manual, DNC import) stay.
SELF_SERVICE_SMS_REASONS = (Suppression.Reason.STOP_KEYWORD, Suppression.Reason.PENDING_REVIEW)


def max_attempts() -> int:
    return int(getattr(settings, "MESSAGING_MAX_ATTEMPTS", 6))


def send_lease() -> timedelta:
    """How long a worker may hold a message in "sending" before the sweep assumes it died."""
    return timedelta(seconds=float(getattr(settings, "MESSAGING_SEND_LEASE_SECONDS", 120)))


def sweep_grace() -> timedelta:
    """A message enqueued this recently is left to its task; the sweep only re-enqueues the forgotten ones."""
    return timedelta(seconds=float(getattr(settings, "MESSAGING_SWEEP_GRACE_SECONDS", 60)))


def storable_text(text: str | None) -> str:
    """PostgreSQL text cannot hold NUL and UTF-8 cannot hold lone surrogates; a borrower's odd name must not
    break the capture transaction that queues the first touch."""
    cleaned = (text or "").replace("\x00", "")
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def normalise_address(channel: str, raw: str | None) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        return normalise_phone(text) if channel == SMS else normalise_email(text)
    except (InvalidPhone, InvalidEmail):
        return text.lower() if channel == EMAIL else text


# ------------------------------------------------------------------------------------------------ queueing


def queue_message(
    lead: Lead | None,
    channel: str,
    body: str,
    *,
    subject: str | None = None,
    html_body: str = "",
    purpose: str,
    is_marketing: bool,
    sent_by=None,
    idempotency_key: str | None = None,
    to_address: str | None = None,
    from_address: str | None = None,
    recipient_user=None,
    organisation: Organisation | None = None,
    cadence_step_id: int | None = None,
    send_after: datetime | None = None,
) -> Message:
    """Write an outbound message in the caller's transaction and deliver it as soon as that commits.

    Idempotent on ``idempotency_key``: a second call with the same key returns the first message unchanged.
    The recipient defaults to the lead's phone/email (or ``recipient_user``'s for alerts to loan officers)."""
    if channel not in CONSENT_FIELD:
        raise ValueError(f"Unknown channel {channel!r}")
    if purpose not in Message.Purpose.values:
        raise ValueError(f"Unknown purpose {purpose!r}")
    if organisation is None:
        if lead is None:
            raise ValueError("A message needs a lead or an organisation")
        organisation = lead.organisation
    key = idempotency_key or f"msg:{uuid.uuid4().hex}"
    if idempotency_key is not None:
        existing = Message.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing

    if to_address is None:
        holder = recipient_user if recipient_user is not None else lead
        to_address = getattr(holder, "phone" if channel == SMS else "email", "") if holder is not None else ""
    address = normalise_address(channel, to_address)
    if from_address is None:
        from_address = (
            organisation.sms_from_number or settings.SMS_FROM_NUMBER
            if channel == SMS
            else settings.DEFAULT_FROM_EMAIL
        )
    if channel == EMAIL and is_marketing:
        body, html_body = _with_email_footer(organisation, lead, address, body, html_body)
    now = timezone.now()
    try:
        # A savepoint: a concurrent duplicate key must not break the caller's transaction.
        with transaction.atomic():
            message = Message.objects.create(
                organisation=organisation,
                lead=lead,
                recipient_user=recipient_user,
                channel=channel,
                direction=Message.Direction.OUTBOUND,
                purpose=purpose,
                is_marketing=is_marketing,
                to_address=address,
                from_address=from_address or "",
                subject=storable_text(subject)[:300],
                body=storable_text(body),
                html_body=storable_text(html_body),
                idempotency_key=key,
                sent_by=sent_by,
                cadence_step_id=cadence_step_id,
                next_attempt_at=send_after,
                last_enqueued_at=now,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return Message.objects.get(idempotency_key=key)
    batch = _delivery_batch_for_transaction() if send_after is None else None
    if batch is not None:
        batch.append(message.pk)
    else:
        transaction.on_commit(partial(enqueue_delivery, message.pk, run_after=send_after), robust=True)
    return message


_batches = threading.local()


def _delivery_batch_for_transaction() -> list[int] | None:
    """The messages one transaction queues for immediate delivery (a captured lead's first touch and the loan
    officer's alerts) go to the workers as one task when it commits: one task row to claim and finish
    instead of one per message. None outside a transaction (the message is enqueued on its own at once).

    A batch is shared only by messages queued at the same savepoint level of the same transaction while its
    commit callback is still registered; it is started afresh otherwise (committed, rolled back, dropped with
    a rolled-back savepoint, or queued from a nested block), so no message ever joins a batch that will not
    be sent when its own transaction commits."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    level = set(connection.savepoint_ids)
    current = getattr(_batches, "current", None)
    if (
        current is not None
        and current[0] is connection
        and any(hook[1] is current[1] and hook[0] == level for hook in connection.run_on_commit)
    ):
        return current[2]
    message_ids: list[int] = []
    callback = partial(enqueue_delivery_batch, message_ids)
    transaction.on_commit(callback, robust=True)
    _batches.current = (connection, callback, message_ids)
    return message_ids


def enqueue_delivery_batch(message_ids: list[int]) -> None:
    """Best effort, like enqueue_delivery: the sweep finds anything not enqueued."""
    if not message_ids:
        return
    if len(message_ids) == 1:
        enqueue_delivery(message_ids[0])
        return
    from firstcall.messaging.tasks import deliver_messages

    try:
        deliver_messages.enqueue(list(message_ids))
    except Exception:
        logger.exception("Could not enqueue delivery of messages %s; the sweep will retry", message_ids)


# Borrowers first: within a batch the first touch goes out before the loan officer's alerts.
DELIVERY_ORDER = {Message.Purpose.FIRST_TOUCH: 0}


def deliver_batch(message_ids: list[int]) -> dict[int, str]:
    """Deliver several messages, borrowers' first; each is claimed on its own, so a message another worker
    (or the sweep) already took is skipped, and a message left undelivered by a crash is swept later."""
    # Only what is still waiting: a cadence sweep usually sent its own batch inline already.
    purposes = dict(
        Message.objects.filter(pk__in=message_ids, status__in=Message.SENDABLE_STATUSES).values_list(
            "pk", "purpose"
        )
    )
    ordered = sorted(purposes, key=lambda pk: (DELIVERY_ORDER.get(purposes[pk], 1), message_ids.index(pk)))
    return {message_id: deliver(message_id) for message_id in ordered}


def _with_email_footer(organisation, lead, address, body, html_body):
    """CAN-SPAM (REFERENCE.md §4.5): marketing email carries a working opt-out and the sender's postal
    address."""
    from django.utils.html import escape

    from firstcall.messaging.unsubscribe import unsubscribe_url

    url = unsubscribe_url(organisation_id=organisation.pk, address=address, lead_id=getattr(lead, "pk", None))
    postal = organisation.postal_address or organisation.name
    if url not in body:
        body = f"{body}\n\n--\n{organisation.name}, {postal}\nUnsubscribe: {url}\n"
    if html_body and escape(url) not in html_body and url not in html_body:
        footer = (
            f'<p style="font-size:12px;color:#555">{escape(organisation.name)}, {escape(postal)}<br>'
            f'<a href="{escape(url)}">Unsubscribe</a></p>'
        )
        html_body = (
            html_body.replace("</body>", footer + "</body>") if "</body>" in html_body else html_body + footer
        )
    return body, html_body


def enqueue_delivery(message_id: int, *, run_after: datetime | None = None) -> None:
    """Best effort: if the queue is unavailable the sweep finds the message anyway."""
    from firstcall.messaging.tasks import deliver_message

    try:
        task = deliver_message
        if run_after is not None and run_after > timezone.now():
            if not task.get_backend().supports_defer:
                return  # the sweep sends it when it is due
            task = task.using(run_after=run_after)
        task.enqueue(message_id)
    except Exception:
        logger.exception("Could not enqueue delivery of message %s; the sweep will retry", message_id)


# ------------------------------------------------------------------------------------------ the gate


@dataclass(frozen=True)
class SendFacts:
    """Everything the gate needs, read fresh from the database right before a send."""

    channel: str
    to_address: str
    is_to_borrower: bool
    is_response: bool
    is_marketing: bool
    has_consent: bool
    suppression_reason: str | None
    zip_time_zone: str
    phone: str
    state: str
    recent_marketing_sends: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class GateResult:
    outcome: str
    reasons: list[str]
    held_until: datetime | None = None
    zones: list[str] = field(default_factory=list)
    needs_review: bool = False

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)[:500]


def evaluate_send(facts: SendFacts, now: datetime) -> GateResult:
    """Pure decision: may this message go out now, must it wait (and until when), or must it never go?"""
    channel_name = "text" if facts.channel == SMS else "email"
    if not facts.to_address:
        return GateResult(SUPPRESSED, [f"no {channel_name} address for the recipient"])
    if facts.is_response:
        # One opt-out confirmation is allowed (47 CFR 64.1200(a)(12)); HELP must be answered (CTIA,
        # REFERENCE §4.4).
        return GateResult(ALLOWED, ["answer to the recipient's own STOP/HELP/START: sent without delay"])
    if facts.suppression_reason:
        return GateResult(SUPPRESSED, [f"address is on the do-not-contact list ({facts.suppression_reason})"])
    reasons: list[str] = []
    if not facts.is_to_borrower:
        reasons.append("alert to a loan officer: not a borrower message, no borrower consent needed")
        return GateResult(ALLOWED, reasons)
    if not facts.has_consent:
        return GateResult(SUPPRESSED, [f"no {channel_name} consent from the borrower"])
    reasons.append(f"{channel_name} consent on file")
    if facts.channel == EMAIL:
        reasons.append("email: no calling-hours rule applies")
        return GateResult(ALLOWED, reasons)

    # Texts count as calls under the TCPA: borrower's local time, every candidate zone, strictest rule wins.
    zones = compliance.candidate_time_zones(
        facts.zip_time_zone or None, facts.phone or None, facts.state or None
    )
    states = compliance.candidate_states(facts.state or None, facts.phone or None)
    window = compliance.next_allowed_send_time(now, zones, states)
    reasons += window.reasons
    not_before = None if window.allowed_now else window.send_at_utc
    if facts.is_marketing:
        cap_allows, cap_reason = compliance.frequency_cap_allows(facts.recent_marketing_sends, now, states)
        reasons.append(cap_reason)
        if not cap_allows:
            cap_opens = compliance.frequency_cap_next_allowed(facts.recent_marketing_sends, now, states)
            later = compliance.next_allowed_send_time(max(cap_opens, not_before or cap_opens), zones, states)
            return GateResult(HELD, reasons, later.send_at_utc, window.zones, later.needs_review)
    if not_before is not None:
        return GateResult(HELD, reasons, not_before, window.zones, window.needs_review)
    return GateResult(ALLOWED, reasons, None, window.zones)


def gather_send_facts(message: Message, now: datetime) -> SendFacts:
    lead = None
    if message.lead_id:
        lead = (
            Lead.objects.filter(pk=message.lead_id)
            .values("consent_sms", "consent_email", "time_zone", "phone", "state")
            .first()
        )
    recent: tuple[datetime, ...] = ()
    if message.channel == SMS and message.is_marketing and message.to_address:
        rows = (
            Message.objects.filter(
                organisation_id=message.organisation_id,
                channel=SMS,
                to_address=message.to_address,
                direction=Message.Direction.OUTBOUND,
                is_marketing=True,
                status__in=[Message.Status.SENDING, Message.Status.SENT, Message.Status.DELIVERED],
            )
            .filter(
                Q(sent_at__gt=now - timedelta(hours=24))
                | Q(sent_at__isnull=True, claimed_at__gt=now - timedelta(hours=24))
            )
            .exclude(pk=message.pk)
            .values_list("sent_at", "claimed_at")
        )
        recent = tuple(sent_at or claimed_at for sent_at, claimed_at in rows)
    return SendFacts(
        channel=message.channel,
        to_address=message.to_address,
        is_to_borrower=message.is_to_borrower,
        is_response=message.is_response_to_borrower_request,
        is_marketing=message.is_marketing,
        has_consent=bool(lead and lead[CONSENT_FIELD[message.channel]]),
        suppression_reason=active_suppression_reason(
            message.organisation_id, message.channel, message.to_address
        ),
        zip_time_zone=(lead or {}).get("time_zone") or "",
        # The number we text is the one whose area code matters, even if the lead's phone changed since.
        phone=message.to_address if message.channel == SMS else (lead or {}).get("phone") or "",
        state=(lead or {}).get("state") or "",
        recent_marketing_sends=recent,
    )


def decide_send(message: Message, now: datetime | None = None) -> GateResult:
    """The compliance gate before every send; every decision is logged with its reasons."""
    now = now or timezone.now()
    result = evaluate_send(gather_send_facts(message, now), now)
    SendDecision.objects.create(
        message=message,
        outcome=result.outcome,
        reasons=result.reasons,
        zones=list(result.zones),
        held_until=result.held_until,
        decided_at=now,
    )
    return result


# --------------------------------------------------------------------------------------------- delivery


def claim_message(message_id: int, now: datetime | None = None) -> bool:
    """Take a due message for sending: exactly one worker wins (a single conditional UPDATE)."""
    now = now or timezone.now()
    claimed = (
        Message.objects.filter(
            pk=message_id, direction=Message.Direction.OUTBOUND, status__in=Message.SENDABLE_STATUSES
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    )
    return claimed == 1


def deliver(message_id: int) -> str:
    """Claim, gate and send one message. Safe to call twice, late, or from several workers at once."""
    if not claim_message(message_id):
        return "not claimed"
    return send_claimed_message(message_id)


def send_claimed_message(message_id: int) -> str:
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.status != Message.Status.SENDING:
        return "not claimed"
    now = timezone.now()
    with transaction.atomic():
        # Read right before the send: a STOP or revocation that arrived after the claim still wins.
        gate = decide_send(message, now)
        if gate.outcome == HELD:
            _hold(message, gate, now)
            return HELD
        if gate.outcome == SUPPRESSED:
            _suppress_claimed(message, gate, now)
            return SUPPRESSED

    provider = get_provider(message.channel)
    try:
        result = provider.send(message)
    except PermanentProviderError as error:
        _fail_permanently(message, provider.name, error)
        return Message.Status.FAILED
    except TransientProviderError as error:
        return _retry_later(message, provider.name, error)
    except Exception as error:  # an unexpected bug is retried like an outage, then fails visibly
        logger.exception("Provider %s raised unexpectedly for message %s", provider.name, message.pk)
        return _retry_later(
            message, provider.name, TransientProviderError(f"unexpected {type(error).__name__}")
        )
    _mark_sent(message, provider.name, result)
    return Message.Status.SENT


def _hold(message: Message, gate: GateResult, now: datetime) -> None:
    first_hold = message.held_until is None
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.HELD,
        held_until=gate.held_until,
        next_attempt_at=gate.held_until,
        status_reason=gate.summary,
        needs_review=gate.needs_review or message.needs_review,
        attempts=F("attempts") - 1,  # a hold is not a delivery attempt
        claimed_at=None,
        last_enqueued_at=now,
        updated_at=now,
    )
    if first_hold and message.lead_id and message.is_to_borrower:
        local = ""
        if gate.zones:
            local = f" ({gate.held_until.astimezone(ZoneInfo(gate.zones[0])):%a %-I:%M %p %Z})"
        record_event(
            _lead_ref(message),
            TimelineEvent.Kind.MESSAGE,
            f"{message.get_purpose_display()} {message.get_channel_display().lower()} held until "
            f"{gate.held_until:%Y-%m-%d %H:%M} UTC{local}",
            data={"message_id": message.pk, "held_until": gate.held_until.isoformat()},
        )
    transaction.on_commit(partial(enqueue_delivery, message.pk, run_after=gate.held_until), robust=True)


def _suppress_claimed(message: Message, gate: GateResult, now: datetime) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.SUPPRESSED,
        status_reason=gate.summary,
        attempts=F("attempts") - 1,
        claimed_at=None,
        updated_at=now,
    )
    if message.lead_id and message.is_to_borrower:
        record_event(
            _lead_ref(message),
            TimelineEvent.Kind.MESSAGE,
            f"{message.get_purpose_display()} {message.get_channel_display().lower()} not sent: "
            f"{gate.summary}",
            data={"message_id": message.pk},
        )


def _mark_sent(message: Message, provider_name: str, result: ProviderResult) -> None:
    now = timezone.now()
    final = Message.Status.DELIVERED if result.is_delivered else Message.Status.SENT
    changes = {
        "provider": provider_name,
        "provider_message_id": result.provider_message_id[:100],
        "updated_at": now,
    }
    with transaction.atomic():
        first = Message.objects.filter(
            pk=message.pk, status=Message.Status.SENDING, sent_at__isnull=True
        ).update(
            status=final,
            sent_at=now,
            status_reason="",
            last_error="",
            claimed_at=None,
            delivered_at=now if result.is_delivered else None,
            **changes,
        )
        if not first:
            # A delivery callback got here first (status already delivered), or a second worker is also
            # finishing this message after a lease takeover: record the send once, never move status back.
            first = Message.objects.filter(pk=message.pk, sent_at__isnull=True).update(sent_at=now, **changes)
            Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
                status=final, claimed_at=None, **changes
            )
        if first:
            message.sent_at, message.status = now, final
            on_message_sent(message)


def _lead_ref(message: Message) -> Lead:
    """The lead as a bare reference for timeline rows: loading it in full would decrypt fields for nothing."""
    return Lead(pk=message.lead_id)


def on_message_sent(message: Message) -> None:
    """Once per message, when the provider accepted it."""
    if not (message.lead_id and message.is_to_borrower):
        return
    if message.sent_by_id is not None:
        # A person wrote to the borrower: that stops the SLA clock; automatic messages never do.
        from firstcall.routing.services import record_human_contact

        record_human_contact(message.lead, at=message.sent_at, actor=message.sent_by,
                             how=f"{message.get_channel_display().lower()} sent by hand")  # fmt: skip
    if message.sent_by_id is None and message.purpose in (
        Message.Purpose.FIRST_TOUCH,
        Message.Purpose.CADENCE,
    ):
        Lead.objects.filter(pk=message.lead_id, first_touch_at__isnull=True).update(
            first_touch_at=message.sent_at
        )
    record_event(
        _lead_ref(message),
        TimelineEvent.Kind.MESSAGE,
        f"{message.get_purpose_display()} {message.get_channel_display().lower()} sent",
        actor=message.sent_by,
        data={"message_id": message.pk, "direction": "outbound", "channel": message.channel},
    )


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAYS_SECONDS[min(max(attempts, 1), len(RETRY_DELAYS_SECONDS)) - 1])


def _retry_later(message: Message, provider_name: str, error: ProviderError) -> str:
    now = timezone.now()
    attempts = Message.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    if attempts >= max_attempts():
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.FAILED,
            provider=provider_name,
            status_reason=f"gave up after {attempts} attempts: {error.reason}"[:500],
            last_error=error.reason,
            claimed_at=None,
            updated_at=now,
        )
        _record_failure(message, f"gave up after {attempts} attempts")
        return Message.Status.FAILED
    next_attempt_at = now + retry_delay(attempts)
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.QUEUED,
        provider=provider_name,
        next_attempt_at=next_attempt_at,
        status_reason=f"attempt {attempts} failed; retrying at {next_attempt_at:%Y-%m-%d %H:%M:%S} UTC",
        last_error=error.reason,
        claimed_at=None,
        last_enqueued_at=now,
        updated_at=now,
    )
    if updated:
        enqueue_delivery(message.pk, run_after=next_attempt_at)
    return Message.Status.QUEUED


def _fail_permanently(message: Message, provider_name: str, error: PermanentProviderError) -> None:
    now = timezone.now()
    reason = error.reason
    with transaction.atomic():
        if error.suppress_address:
            opt_out_address(
                message.organisation,
                message.channel,
                message.to_address,
                reason=Suppression.Reason.STOP_KEYWORD
                if message.channel == SMS
                else Suppression.Reason.BOUNCE,
                how=f"provider reported opt-out/bounce ({error.code})",
                note=reason[:300],
                source_message=message,
            )
            reason = f"{reason}; address added to the do-not-contact list"
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.FAILED,
            provider=provider_name,
            status_reason=reason[:500],
            last_error=error.reason,
            claimed_at=None,
            updated_at=now,
        )
        _record_failure(message, reason)


def _record_failure(message: Message, reason: str) -> None:
    if message.lead_id and message.is_to_borrower:
        record_event(
            _lead_ref(message),
            TimelineEvent.Kind.MESSAGE,
            f"{message.get_purpose_display()} {message.get_channel_display().lower()} failed: {reason}",
            data={"message_id": message.pk},
        )


# ------------------------------------------------------------------------------------------------- sweep


def sweep_due_messages(now: datetime | None = None, batch_size: int = 500) -> int:
    """Re-enqueue due messages whose task was lost, and recover messages stuck in "sending" past the lease
    (the worker died mid-send; the provider's idempotency key stops the resend from texting twice)."""
    now = now or timezone.now()
    stuck = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - send_lease())
    given_up = stuck.filter(attempts__gte=max_attempts()).update(
        status=Message.Status.FAILED,
        status_reason="worker stopped while sending too many times; not retried",
        claimed_at=None,
        updated_at=now,
    )
    recovered = stuck.update(
        status=Message.Status.QUEUED,
        next_attempt_at=None,
        last_enqueued_at=None,
        last_error="worker stopped while sending; retrying with the same idempotency key",
        claimed_at=None,
        updated_at=now,
    )
    forgotten = Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lt=now - sweep_grace())
    due = (
        Message.objects.filter(direction=Message.Direction.OUTBOUND, status__in=Message.SENDABLE_STATUSES)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(forgotten)
    )
    enqueued = 0
    for message_id in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:batch_size]):
        # Mark first, so several workers sweeping at once enqueue each message once.
        if (
            Message.objects.filter(pk=message_id, status__in=Message.SENDABLE_STATUSES)
            .filter(forgotten)
            .update(last_enqueued_at=now)
        ):
            enqueue_delivery(message_id)
            enqueued += 1
    if given_up or recovered:
        logger.warning(
            "Outbox sweep: %s message(s) recovered after a dead worker, %s given up", recovered, given_up
        )
    return given_up + recovered + enqueued


# ------------------------------------------------------------------------------------ delivery callbacks

PROVIDER_FINAL_STATUSES = {
    "delivered": Message.Status.DELIVERED,
    "undelivered": Message.Status.FAILED,
    "failed": Message.Status.FAILED,
}


def apply_delivery_status(
    *, provider_message_id: str, status: str, error_code: str = "", message_id: int | None = None
) -> Message | None:
    """A provider's delivery report. Final states only move a message forward (a late "sent" never undoes
    "delivered"). ``message_id`` comes from our own callback URL, for reports that beat our "sent" update."""
    messages = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    message = (
        messages.filter(provider_message_id=provider_message_id).first() if provider_message_id else None
    )
    if message is None and message_id is not None:
        message = messages.filter(pk=message_id, provider_message_id__in=["", provider_message_id]).first()
    if message is None:
        return None
    new_status = PROVIDER_FINAL_STATUSES.get((status or "").lower())
    if new_status is None:
        return message
    now = timezone.now()
    changes = {"status": new_status, "provider_message_id": provider_message_id[:100], "updated_at": now}
    if new_status == Message.Status.DELIVERED:
        changes["delivered_at"] = now
    else:
        changes["status_reason"] = f"carrier reports {status}" + (
            f" (error {error_code})" if error_code else ""
        )
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk, status__in=[Message.Status.SENDING, Message.Status.SENT]
        ).update(**changes)
        if updated and new_status == Message.Status.FAILED and str(error_code) == "21610":
            opt_out_address(
                message.organisation,
                message.channel,
                message.to_address,
                reason=Suppression.Reason.STOP_KEYWORD,
                how="carrier reported opt-out (21610)",
                source_message=message,
            )
    message.refresh_from_db()
    return message


# ----------------------------------------------------------------------------------- suppression & consent


def active_suppression_reason(organisation_id: int, channel: str, address: str) -> str | None:
    if not address:
        return None
    return (
        Suppression.objects.filter(
            organisation_id=organisation_id, channel=channel, address=address, lifted_at__isnull=True
        )
        .values_list("reason", flat=True)
        .first()
    )


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
        # Suppression is organisation-wide, so every lead with the address leaves its cadences.
        from firstcall.cadences.services import on_opt_out

        for lead in leads_with_address(organisation, channel, address):
            on_opt_out(lead, channel)
    return OptOutResult(entry, not already_opted_out, suppressed, revoked)


def grant_consent(lead: Lead, channel: str, *, how: str, actor=None) -> None:
    """Consent given by the borrower's own message (START). leads.services has only revoke_consent; this
    mirrors it."""
    Consent.objects.create(lead=lead, channel=channel, is_granted=True, how=how[:200])
    Lead.objects.filter(pk=lead.pk).update(**{CONSENT_FIELD[channel]: True})
    setattr(lead, CONSENT_FIELD[channel], True)
    record_event(
        lead,
        TimelineEvent.Kind.CONSENT_RECORDED,
        f"Consent for {channel} given ({how})",
        actor=actor,
        data={"channels": [channel], "how": how},
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
                    needs_review=kind == "possible_opt_out",
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            return Message.objects.get(idempotency_key=key), False
        emit_message_received(message)

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
                body=organisation.help_text,
                channel=SMS,
                purpose=Message.Purpose.HELP_REPLY,
                idempotency_key=f"help-reply:{message.pk}",
                **reply,
            )
        elif kind == "opt_in":
            _opt_in(organisation, address, message, keyword.matched, reply)
        if lead is not None:
            on_inbound_reply(lead, message)
    return message, True


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
    """A person read a flagged reply: confirm it as an opt-out (consent revoked, one confirmation text) or
    clear it."""
    organisation, address = message.organisation, message.from_address
    with transaction.atomic():
        if is_opt_out:
            outcome = opt_out_address(
                organisation,
                SMS,
                address,
                reason=Suppression.Reason.STOP_KEYWORD,
                how="free-text reply confirmed as opt-out",
                actor=actor,
                source_message=message,
            )
            if outcome.is_new_opt_out:
                queue_message(
                    message.lead,
                    SMS,
                    OPT_OUT_CONFIRMATION.format(org=organisation.name),
                    organisation=organisation,
                    to_address=address,
                    is_marketing=False,
                    purpose=Message.Purpose.OPT_OUT_CONFIRMATION,
                    idempotency_key=f"opt-out-confirmation:{message.pk}",
                )
        else:
            lift_suppression(
                organisation,
                SMS,
                address,
                why="reviewed: not an opt-out",
                only_reasons=[Suppression.Reason.PENDING_REVIEW],
            )
        Message.objects.filter(pk=message.pk).update(needs_review=False, updated_at=timezone.now())


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
    """Every inbound message on a known lead ends here: on the timeline, then the cadences stop (on a reply),
    the score counts it as engagement and the owner is alerted (cadences.services.on_borrower_reply)."""
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
    from firstcall.cadences.services import on_borrower_reply

    on_borrower_reply(lead, message)


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
