"""Free appointment slots from working hours, buffers and existing appointments. Pure: no Django.

Working hours are the loan officer's own ({"mon": ["09:00", "17:00"], ...}, in their time zone, the format the
People settings page stores); a slot is offered when the meeting plus its buffers fits inside a working window,
does not overlap another appointment (with its buffers), starts after the minimum notice and within the horizon.
Times are returned as aware UTC datetimes; pages show them in the borrower's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True)
class BookingRules:
    meeting_minutes: int = 30
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 15
    minimum_notice_minutes: int = 120
    horizon_days: int = 14
    step_minutes: int = 30


def _windows(working_hours: dict, zone: ZoneInfo, day: date) -> list[tuple[datetime, datetime]]:
    window = working_hours.get(WEEKDAYS[day.weekday()])
    if not window:
        return []
    start, end = (time.fromisoformat(value) for value in window[:2])
    opens = datetime.combine(day, start, tzinfo=zone)
    closes = datetime.combine(day, end, tzinfo=zone)
    return [(opens, closes)] if closes > opens else []


def free_slots(working_hours: dict, time_zone: str, busy: list[tuple[datetime, datetime]], rules: BookingRules,
               now: datetime) -> list[datetime]:  # fmt: skip
    zone = ZoneInfo(time_zone)
    meeting = timedelta(minutes=rules.meeting_minutes)
    before, after = (
        timedelta(minutes=rules.buffer_before_minutes),
        timedelta(minutes=rules.buffer_after_minutes),
    )
    earliest = now + timedelta(minutes=rules.minimum_notice_minutes)
    blocked = sorted((start - before, end + after) for start, end in busy)
    slots = []
    today = now.astimezone(zone).date()
    for offset in range(rules.horizon_days + 1):
        for opens, closes in _windows(working_hours, zone, today + timedelta(days=offset)):
            start = opens + before
            while start + meeting + after <= closes:
                end = start + meeting
                if start >= earliest and not any(
                    start - before < b_end and end + after > b_start for b_start, b_end in blocked
                ):
                    slots.append(start.astimezone(UTC))
                start += timedelta(minutes=rules.step_minutes)
    return slots


def is_free(
    slot: datetime, working_hours: dict, time_zone: str, busy, rules: BookingRules, now: datetime
) -> bool:
    return slot.astimezone(UTC) in set(free_slots(working_hours, time_zone, busy, rules, now))
