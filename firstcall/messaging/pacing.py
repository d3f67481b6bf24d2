"""Send pacing: texts leave at no more than the configured rate per sender number and per provider account,
whichever is stricter, counted over every worker together.

Carriers throttle application-to-person texts per sender number (a 10DLC campaign's throughput, a toll-free
number's or short code's) and providers per account; sending faster only gets texts queued or refused at the
other end. Each paced sender has a row (SendPace) holding its next free slot. A worker books slots for the texts
it is about to send in one short locked transaction (rows locked in key order, so two workers never deadlock),
then sends each text at its slot. A text whose slot would be further off than the booking horizon is not booked
and stays queued for the next round, so a worker never holds a claimed text for long.

A booked slot that goes unused (the text was held or refused by the gate, or the send failed) is a gap in the
schedule, never a second text in the same slot: the pace can only be slower than configured, never faster.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from firstcall.messaging.models import Message, SendPace

SMS = Message.ChannelKind.SMS


def limits_for(message: Message) -> list[tuple[str, float]]:
    """(pace key, texts per second) of every limit the message is subject to; empty when unpaced."""
    if message.channel != SMS:
        return []
    limits = []
    per_number = float(getattr(settings, "SMS_RATE_PER_NUMBER", 0) or 0)
    per_account = float(getattr(settings, "SMS_RATE_PER_ACCOUNT", 0) or 0)
    if per_number > 0 and message.from_address:
        limits.append((f"sms-number:{message.from_address}", per_number))
    if per_account > 0:
        account = getattr(settings, "SMS_ACCOUNT_SID", "") or "default"
        limits.append((f"sms-account:{getattr(settings, 'SMS_PROVIDER', '')}:{account}", per_account))
    return limits


def horizon() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "SMS_PACING_HORIZON_SECONDS", 2)))


@dataclass(frozen=True)
class Booking:
    slots: dict[int, datetime]  # message id -> when it may be sent
    unbooked: list[int]  # messages whose slot is beyond the horizon, in their order
    # When the first unbooked message's slot comes (else the earliest free slot); None: unpaced
    next_free_at: datetime | None


def book(messages: Sequence[Message], now: datetime | None = None) -> Booking:
    """Book a send slot for each message in order, up to the horizon."""
    now = now or timezone.now()
    keys = sorted({key for message in messages for key, _rate in limits_for(message)})
    if not keys:
        return Booking({message.pk: now for message in messages}, [], None)
    latest = now + horizon()
    with transaction.atomic():
        SendPace.objects.bulk_create(
            [SendPace(key=key, next_slot_at=now) for key in keys], ignore_conflicts=True
        )
        rows = {
            row.key: row for row in SendPace.objects.select_for_update().filter(key__in=keys).order_by("key")
        }
        free = {key: max(rows[key].next_slot_at, now) for key in keys}
        slots: dict[int, datetime] = {}
        unbooked: list[int] = []
        first_unbooked_at: datetime | None = None
        for message in messages:
            limits = limits_for(message)
            if not limits:
                slots[message.pk] = now
                continue
            slot = max(free[key] for key, _rate in limits)
            if slot > latest:
                unbooked.append(message.pk)
                first_unbooked_at = first_unbooked_at or slot
                continue
            slots[message.pk] = slot
            for key, rate in limits:
                free[key] = slot + timedelta(seconds=1 / rate)
        for key in keys:
            if free[key] != rows[key].next_slot_at:
                SendPace.objects.filter(pk=rows[key].pk).update(next_slot_at=free[key])
    return Booking(slots, unbooked, first_unbooked_at or min(free.values()))


def wait_until(slot: datetime) -> None:
    """Sleep until the slot (no-op when it has come)."""
    delay = (slot - timezone.now()).total_seconds()
    if delay > 0:
        time.sleep(delay)
