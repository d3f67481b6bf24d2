"""Business hours, holidays and the SLA clock. Pure Python (no Django).

The SLA clock only runs while the organisation is open: a lead received at 20:00 on a Friday with a 5-minute
SLA must be answered by 09:05 on Monday (or Tuesday, when Monday is a holiday).

- Opening hours are local wall time in ``BusinessHours.tz``; converting each day's open and close to UTC with
  ``zoneinfo`` makes the clock DST-correct (a business minute is a real elapsed minute).
- Holidays come from the ``holidays`` package for ``holiday_country``/``holiday_subdivision``; observed days
  (e.g. Friday 2026-07-03 for Independence Day on a Saturday) count as closed, as the package lists them.
  ``extra_closed_dates`` adds the organisation's own closures; ``holiday_country=None`` disables holidays.
- A window is [open, close) on one local day; ``close == 00:00`` means "until midnight".
- All datetimes in and out are timezone-aware; results are UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_package

# How far ahead the clock searches for open time before deciding the calendar can never open.
MAX_SEARCH_DAYS = 800


def _parse_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@lru_cache(maxsize=256)
def _holiday_calendar(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    return dict(holidays_package.country_holidays(country, subdiv=subdivision, years=year).items())


def holiday_name(day: date, country: str | None, subdivision: str | None = None) -> str | None:
    """The holiday's name on ``day`` (observed days included), or None."""
    if not country:
        return None
    return _holiday_calendar(country, subdivision, day.year).get(day)


@dataclass(frozen=True)
class BusinessHours:
    tz: str = "America/New_York"
    # weekday (0 = Monday) -> (open, close); a weekday that is missing is closed all day.
    weekly: Mapping[int, tuple[time, time]] = field(
        default_factory=lambda: {day: (time(9), time(17)) for day in range(5)}
    )
    holiday_country: str | None = "US"
    holiday_subdivision: str | None = None
    extra_closed_dates: frozenset[date] = frozenset()

    def __post_init__(self):
        ZoneInfo(self.tz)
        weekly = {}
        for weekday, (opens, closes) in self.weekly.items():
            opens, closes = _parse_time(opens), _parse_time(closes)
            if not 0 <= int(weekday) <= 6:
                raise ValueError(f"weekday {weekday} out of range 0-6")
            if closes != time(0) and closes <= opens:
                raise ValueError(f"closing time {closes} must be after opening time {opens}")
            weekly[int(weekday)] = (opens, closes)
        object.__setattr__(self, "weekly", weekly)
        if self.holiday_country:
            try:
                _holiday_calendar(self.holiday_country, self.holiday_subdivision, 2026)
            except NotImplementedError as error:
                raise ValueError(f"unknown holiday calendar: {error}") from error
        object.__setattr__(self, "extra_closed_dates", frozenset(self.extra_closed_dates))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def closed_reason(self, day: date) -> str | None:
        """Why the organisation is closed on this local date, or None when it opens."""
        if day in self.extra_closed_dates:
            return "closed (organisation closure)"
        name = holiday_name(day, self.holiday_country, self.holiday_subdivision)
        if name:
            return f"holiday: {name}"
        if day.weekday() not in self.weekly:
            return "closed on this weekday"
        return None

    def is_business_day(self, day: date) -> bool:
        return self.closed_reason(day) is None

    def window_utc(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening interval in UTC, or None when closed that day."""
        if not self.is_business_day(day):
            return None
        opens, closes = self.weekly[day.weekday()]
        start = datetime.combine(day, opens, tzinfo=self.zone)
        end_day = day + timedelta(days=1) if closes == time(0) else day
        end = datetime.combine(end_day, closes, tzinfo=self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def _windows_from(moment_utc: datetime, hours: BusinessHours) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals (UTC) that end after ``moment_utc``, clipped to start no earlier than it."""
    day = moment_utc.astimezone(hours.zone).date() - timedelta(days=1)
    for _ in range(MAX_SEARCH_DAYS):
        window = hours.window_utc(day)
        day += timedelta(days=1)
        if window is None:
            continue
        start, end = window
        if end <= moment_utc:
            continue
        yield max(start, moment_utc), end
    raise ValueError(f"no business hours within {MAX_SEARCH_DAYS} days; check the opening hours")


def respond_by(received_utc: datetime, sla_minutes: int, hours: BusinessHours) -> datetime:
    """The deadline: ``sla_minutes`` of open time after ``received_utc``. A lead received while closed starts
    its clock at the next opening. ``sla_minutes == 0`` gives the first open moment at or after receipt."""
    if sla_minutes < 0:
        raise ValueError("sla_minutes cannot be negative")
    received_utc = _aware_utc(received_utc)
    remaining = timedelta(minutes=sla_minutes)
    for start, end in _windows_from(received_utc, hours):
        available = end - start
        if remaining <= available:
            return start + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover - _windows_from raises first


def next_open_utc(moment_utc: datetime, hours: BusinessHours) -> datetime:
    """``moment_utc`` itself when open, else the next opening."""
    return respond_by(moment_utc, 0, hours)


def is_open(moment_utc: datetime, hours: BusinessHours) -> bool:
    moment_utc = _aware_utc(moment_utc)
    return next_open_utc(moment_utc, hours) == moment_utc


def business_minutes_between(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Open minutes (fractional, real elapsed time) between two instants; negative when end < start."""
    start, end = _aware_utc(start), _aware_utc(end)
    if end < start:
        return -business_minutes_between(end, start, hours)
    total = timedelta(0)
    day = start.astimezone(hours.zone).date() - timedelta(days=1)
    last_day = end.astimezone(hours.zone).date()
    while day <= last_day:
        window = hours.window_utc(day)
        day += timedelta(days=1)
        if window is None:
            continue
        overlap = min(window[1], end) - max(window[0], start)
        if overlap > timedelta(0):
            total += overlap
    return total.total_seconds() / 60


def add_business_days(start_local_date: date, n: int, hours: BusinessHours) -> date:
    """The n-th business day after (n > 0) or before (n < 0) ``start_local_date``. With n == 0: the date
    itself when it is a business day, else the next one. Friday + 1 -> Monday (Tuesday after a Monday
    holiday)."""
    day = start_local_date
    if n == 0:
        for _ in range(MAX_SEARCH_DAYS):
            if hours.is_business_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no business day within {MAX_SEARCH_DAYS} days")
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    for _ in range(MAX_SEARCH_DAYS + remaining * 7):
        day += step
        if hours.is_business_day(day):
            remaining -= 1
            if remaining == 0:
                return day
    raise ValueError(f"no business day within {MAX_SEARCH_DAYS} days")
