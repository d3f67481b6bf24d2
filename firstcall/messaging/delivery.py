"""Delivery: claim a queued message (one row or nothing), re-check the gate, send it through the provider with
its idempotency key, then sent / queued with backoff / failed; the sweep re-enqueues what is due and recovers
messages left sending by a dead worker; the provider's delivery reports move them to delivered or failed.
"""

from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from firstcall.compliance import services as compliance_services
from firstcall.events.outbox import emit, emit_many
from firstcall.leads.models import Lead, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging import pacing
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.optout import opt_out_address
from firstcall.messaging.outbox import (
    DELIVERY_ORDER,
    HELD,
    RETRY_DELAYS_SECONDS,
    SMS,
    SUPPRESSED,
    GateResult,
    decide_send,
    decide_send_many,
    enqueue_delivery,
    logger,
    max_attempts,
    message_kind,
    send_lease,
    sweep_grace,
)
from firstcall.messaging.providers import (
    PermanentProviderError,
    ProviderError,
    ProviderResult,
    TransientProviderError,
    get_provider,
)

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
    booking = pacing.book([message])
    if booking.unbooked:
        # The sender is at its pace for longer than the booking horizon: back in the queue until a slot frees.
        _wait_for_pace(message, booking.next_free_at - pacing.horizon() / 2)
        return Message.Status.QUEUED
    pacing.wait_until(booking.slots[message.pk])
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


def _wait_for_pace(message: Message, until: datetime) -> None:
    now = timezone.now()
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.QUEUED,
        next_attempt_at=until,
        attempts=F("attempts") - 1,  # waiting for a send slot is not a delivery attempt
        claimed_at=None,
        last_enqueued_at=now,
        updated_at=now,
    )
    if updated:
        enqueue_delivery(message.pk, run_after=until)


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
            f"{gate.held_until:%Y-%m-%d %H:%M} UTC{local}"
            + (f": {gate.decision.summary}"[:400] if gate.decision else ""),
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
    # A message a person wrote stops the SLA clock (firstcall/flows/human_contact.py); automatic ones never do.
    emit(
        "message.sent",
        organisation_id=message.organisation_id,
        message_id=message.pk,
        lead_id=message.lead_id,
        channel=message.channel,
        purpose=message.purpose,
        sent_by_id=message.sent_by_id,
    )
    if message.sent_by_id is None and message.purpose in (
        Message.Purpose.FIRST_TOUCH,
        Message.Purpose.CADENCE,
    ):
        Lead.objects.filter(pk=message.lead_id, first_touch_at__isnull=True).update(
            first_touch_at=message.sent_at
        )
    if message.channel == SMS:
        # The FL/OK/MD cap counts texts and calls together: the call gate reads this log.
        compliance_services.record_attempt(
            message.organisation, _lead_ref(message), SMS, message.to_address, kind=message_kind(message),
            at=message.sent_at,
        )  # fmt: skip
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


# Several messages queued in one transaction are delivered by one task.


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


# Many messages at once: the cadence sweep's burst. The same claim, gate, send and "sent" as deliver(), with the
# reads and writes of a batch done in a few statements; only the provider call stays one per message (with its
# idempotency key), at the pace the sender number and provider account allow (pacing.py).


def claim_messages(message_ids: list[int], now: datetime | None = None) -> list[Message]:
    """Take every due message of ``message_ids`` that no other worker holds, in one statement; returns them in
    the given order. On PostgreSQL candidates are locked with SKIP LOCKED (two workers take disjoint sets); on
    SQLite the write transaction already serialises claims. Each message goes to exactly one claimer, as with
    claim_message()."""
    now = now or timezone.now()
    with transaction.atomic():
        candidates = (
            Message.objects.filter(
                pk__in=message_ids,
                direction=Message.Direction.OUTBOUND,
                status__in=Message.SENDABLE_STATUSES,
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by()
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("pk", flat=True))
        if ids:
            Message.objects.filter(pk__in=ids).update(
                status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
            )
    claimed = {
        message.pk: message
        for message in Message.objects.filter(pk__in=ids).select_related("organisation", "sent_by")
    }
    return [claimed[pk] for pk in message_ids if pk in claimed]


def release_messages(message_ids: list[int]) -> int:
    """Give back claimed messages that were not sent (no send slot yet): queued again for the next round."""
    if not message_ids:
        return 0
    now = timezone.now()
    return Message.objects.filter(pk__in=message_ids, status=Message.Status.SENDING).update(
        status=Message.Status.QUEUED, claimed_at=None, attempts=F("attempts") - 1, updated_at=now
    )


def deliver_many(message_ids: list[int], *, max_rounds: int = 1000) -> dict[int, str]:
    """Claim, gate and send many messages: what deliver() does for each, with batched reads and writes. A
    message another worker holds is skipped ("not claimed"); a message the pace leaves no slot for yet waits
    for the next round, when slots have freed."""
    outcomes: dict[int, str] = {}
    pending = list(dict.fromkeys(message_ids))
    for _round in range(max_rounds):
        if not pending:
            break
        claimed = claim_messages(pending)
        for message_id in set(pending) - {message.pk for message in claimed}:
            outcomes.setdefault(message_id, "not claimed")
        if not claimed:
            break
        booking = pacing.book(claimed)
        release_messages(booking.unbooked)
        for group in _slot_groups([m for m in claimed if m.pk in booking.slots], booking.slots):
            outcomes.update(_gate_and_send(group, booking.slots))
        pending = booking.unbooked
        if pending and booking.next_free_at is not None:
            pacing.wait_until(booking.next_free_at - pacing.horizon() / 2)
    for message_id in pending:
        outcomes.setdefault(message_id, Message.Status.QUEUED)
    return outcomes


def _slot_groups(messages: list[Message], slots: dict[int, datetime], window=timedelta(milliseconds=250)):
    """Consecutive runs of messages whose slots fall within ``window`` of the run's first: each run is gated
    right before its sends, so a STOP that arrives while a paced batch waits still wins."""
    group: list[Message] = []
    for message in messages:
        if group and slots[message.pk] - slots[group[0].pk] > window:
            yield group
            group = []
        group.append(message)
    if group:
        yield group


def _gate_and_send(messages: list[Message], slots: dict[int, datetime]) -> dict[int, str]:
    outcomes: dict[int, str] = {}
    pacing.wait_until(slots[messages[0].pk])
    now = timezone.now()
    allowed = []
    with transaction.atomic():
        # Read right before the sends: a STOP or revocation that arrived after the claim still wins.
        gates = decide_send_many(messages, now)
        for message in messages:
            gate = gates[message.pk]
            if gate.outcome == HELD:
                _hold(message, gate, now)
                outcomes[message.pk] = HELD
            elif gate.outcome == SUPPRESSED:
                _suppress_claimed(message, gate, now)
                outcomes[message.pk] = SUPPRESSED
            else:
                allowed.append(message)
    sent: list[tuple[Message, str, ProviderResult]] = []
    providers = {}
    for message in allowed:
        provider = providers.get(message.channel) or providers.setdefault(
            message.channel, get_provider(message.channel)
        )
        pacing.wait_until(slots[message.pk])
        try:
            result = provider.send(message)
        except PermanentProviderError as error:
            _fail_permanently(message, provider.name, error)
            outcomes[message.pk] = Message.Status.FAILED
            continue
        except TransientProviderError as error:
            outcomes[message.pk] = _retry_later(message, provider.name, error)
            continue
        except Exception as error:  # an unexpected bug is retried like an outage, then fails visibly
            logger.exception("Provider %s raised unexpectedly for message %s", provider.name, message.pk)
            outcomes[message.pk] = _retry_later(
                message, provider.name, TransientProviderError(f"unexpected {type(error).__name__}")
            )
            continue
        sent.append((message, provider.name, result))
        outcomes[message.pk] = Message.Status.SENT
    if sent:
        _mark_sent_many(sent)
    return outcomes


def _mark_sent_many(sent: list[tuple[Message, str, ProviderResult]]) -> None:
    """_mark_sent() for a batch: one UPDATE statement for the messages still "sending" and unsent (the usual
    case), then _mark_sent() one by one for any a delivery callback or a second worker touched first."""
    now = timezone.now()
    columns = (
        "status", "sent_at", "status_reason", "last_error", "claimed_at", "delivered_at", "provider",
        "provider_message_id", "updated_at",
    )  # fmt: skip
    table = connection.ops.quote_name(Message._meta.db_table)
    fields = {field.column: field for field in Message._meta.concrete_fields}
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    rows = []
    for message, provider_name, result in sent:
        values = (
            Message.Status.DELIVERED if result.is_delivered else Message.Status.SENT,
            now,
            "",
            "",
            None,
            now if result.is_delivered else None,
            provider_name,
            result.provider_message_id[:100],
            now,
        )
        prepared = tuple(
            fields[column].get_db_prep_save(value, connection)
            for column, value in zip(columns, values, strict=True)
        )
        rows.append((*prepared, message.pk, Message.Status.SENDING))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s AND status = %s AND sent_at IS NULL",  # noqa: S608 - names from _meta
                rows,
            )
        first = set(
            Message.objects.filter(pk__in=[message.pk for message, _n, _r in sent], sent_at=now).values_list(
                "pk", flat=True
            )
        )
        done = []
        for message, provider_name, result in sent:
            if message.pk in first:
                message.sent_at = now
                message.status = Message.Status.DELIVERED if result.is_delivered else Message.Status.SENT
                done.append(message)
            else:
                _mark_sent(message, provider_name, result)
        on_messages_sent(done)


def on_messages_sent(messages: list[Message]) -> None:
    """on_message_sent() for many messages: the same event per message, first-touch times, cap log rows and
    timeline rows, the rows written in bulk."""
    from firstcall.compliance.models import ContactAttempt

    borrower = [message for message in messages if message.lead_id and message.is_to_borrower]
    if not borrower:
        return
    emit_many(
        "message.sent",
        [
            (
                message.organisation_id,
                {
                    "message_id": message.pk,
                    "lead_id": message.lead_id,
                    "channel": message.channel,
                    "purpose": message.purpose,
                    "sent_by_id": message.sent_by_id,
                },
            )
            for message in borrower
        ],
    )
    first_touch: dict[datetime, list[int]] = {}
    for message in borrower:
        if message.sent_by_id is None and message.purpose in (
            Message.Purpose.FIRST_TOUCH,
            Message.Purpose.CADENCE,
        ):
            first_touch.setdefault(message.sent_at, []).append(message.lead_id)
    for sent_at, lead_ids in first_touch.items():
        Lead.objects.filter(pk__in=lead_ids, first_touch_at__isnull=True).update(first_touch_at=sent_at)
    # Rows name their lead by id: a Lead instance per row (even a bare one) costs more than the row itself.
    attempts = []
    for message in borrower:
        if message.channel != SMS:
            continue
        row = compliance_services.attempt_row(
            message.organisation,
            None,
            SMS,
            message.to_address,
            kind=message_kind(message),
            at=message.sent_at,
        )
        if row is not None:
            row.lead_id = message.lead_id
            attempts.append(row)
    ContactAttempt.objects.bulk_create(attempts)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            lead_id=message.lead_id,
            kind=TimelineEvent.Kind.MESSAGE,
            summary=f"{message.get_purpose_display()} {message.get_channel_display().lower()} sent"[:300],
            actor=message.sent_by,
            data={"message_id": message.pk, "direction": "outbound", "channel": message.channel},
        )
        for message in borrower
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
