"""The SLA clock runs only in business hours, skips holidays, and is DST-correct."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstcall.routing.sla import (
    BusinessHours,
    add_business_days,
    business_minutes_between,
    holiday_name,
    is_open,
    next_open_utc,
    respond_by,
)

NEW_YORK = ZoneInfo("America/New_York")
OFFICE = BusinessHours(tz="America/New_York")  # Mon-Fri 09:00-17:00, US federal holidays


def ny(*args):
    return datetime(*args, tzinfo=NEW_YORK)


def as_ny(moment):
    return moment.astimezone(NEW_YORK).replace(tzinfo=None)


def test_lead_inside_business_hours_is_due_minutes_later():
    deadline = respond_by(ny(2026, 12, 15, 10, 0), 5, OFFICE)

    assert deadline == datetime(2026, 12, 15, 15, 5, tzinfo=UTC)
    assert deadline.tzinfo == UTC


def test_friday_evening_lead_is_due_monday_morning():
    deadline = respond_by(ny(2026, 12, 18, 20, 0), 5, OFFICE)

    assert as_ny(deadline) == datetime(2026, 12, 21, 9, 5)


def test_lead_before_a_christmas_friday_waits_for_monday():
    # 2026-12-25 is a Friday: Thursday-evening lead skips Christmas and the weekend.
    deadline = respond_by(ny(2026, 12, 24, 20, 0), 5, OFFICE)

    assert as_ny(deadline) == datetime(2026, 12, 28, 9, 5)


def test_friday_evening_lead_before_a_monday_holiday_is_due_tuesday():
    # 2026-01-19 is Martin Luther King Jr. Day.
    deadline = respond_by(ny(2026, 1, 16, 20, 0), 5, OFFICE)

    assert as_ny(deadline) == datetime(2026, 1, 20, 9, 5)


def test_observed_holiday_is_closed():
    # Independence Day 2026 is a Saturday; Friday 2026-07-03 is the observed holiday.
    deadline = respond_by(ny(2026, 7, 2, 16, 59), 5, OFFICE)

    assert as_ny(deadline) == datetime(2026, 7, 6, 9, 4)


def test_lead_before_opening_starts_the_clock_at_opening():
    assert as_ny(respond_by(ny(2026, 12, 15, 7, 0), 5, OFFICE)) == datetime(2026, 12, 15, 9, 5)


def test_sla_crossing_closing_time_carries_into_the_next_business_day():
    assert as_ny(respond_by(ny(2026, 12, 15, 16, 58), 5, OFFICE)) == datetime(2026, 12, 16, 9, 3)


def test_deadline_may_land_exactly_on_closing_time():
    assert as_ny(respond_by(ny(2026, 12, 15, 16, 55), 5, OFFICE)) == datetime(2026, 12, 15, 17, 0)


def test_long_sla_spans_several_business_days():
    # 16 business hours from Monday 13:00: 4 h Monday, 8 h Tuesday, 4 h Wednesday.
    assert as_ny(respond_by(ny(2026, 12, 14, 13, 0), 16 * 60, OFFICE)) == datetime(2026, 12, 16, 13, 0)


def test_zero_minute_sla_is_the_next_open_moment():
    assert as_ny(respond_by(ny(2026, 12, 19, 12, 0), 0, OFFICE)) == datetime(2026, 12, 21, 9, 0)
    assert as_ny(respond_by(ny(2026, 12, 15, 12, 0), 0, OFFICE)) == datetime(2026, 12, 15, 12, 0)


def test_spring_forward_weekend_keeps_opening_at_local_nine():
    # DST starts Sunday 2026-03-08: Friday's 16:00 is EST (UTC-5), Monday's 09:00 is EDT (UTC-4).
    deadline = respond_by(ny(2026, 3, 6, 16, 0), 120, OFFICE)

    assert deadline == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert as_ny(deadline) == datetime(2026, 3, 9, 10, 0)


def test_fall_back_day_has_25_real_hours_for_a_round_the_clock_desk():
    always_open = BusinessHours(
        tz="America/New_York", weekly={day: (time(0), time(0)) for day in range(7)}, holiday_country=None
    )
    received = ny(2026, 10, 31, 12, 0)  # Saturday, EDT; DST ends Sunday 2026-11-01

    deadline = respond_by(received, 48 * 60, always_open)

    assert deadline == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    assert as_ny(deadline) == datetime(2026, 11, 2, 11, 0)  # 48 real hours, shown in EST


def test_organisation_closures_are_skipped():
    hours = BusinessHours(tz="America/New_York", extra_closed_dates=frozenset({date(2026, 12, 21)}))

    assert as_ny(respond_by(ny(2026, 12, 18, 20, 0), 5, hours)) == datetime(2026, 12, 22, 9, 5)
    assert hours.closed_reason(date(2026, 12, 21)) == "closed (organisation closure)"


def test_state_holidays_follow_the_subdivision():
    # Cesar Chavez Day, Tuesday 2026-03-31, is a California holiday only.
    california = BusinessHours(tz="America/Los_Angeles", holiday_subdivision="CA")
    federal_only = BusinessHours(tz="America/Los_Angeles")
    received = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 10:00 PDT

    assert respond_by(received, 5, california) == datetime(2026, 4, 1, 16, 5, tzinfo=UTC)
    assert respond_by(received, 5, federal_only) == datetime(2026, 3, 31, 17, 5, tzinfo=UTC)
    assert holiday_name(date(2026, 3, 31), "US", "CA") == "Cesar Chavez Day"


def test_holidays_can_be_turned_off():
    open_on_christmas = BusinessHours(tz="America/New_York", holiday_country=None)

    assert as_ny(respond_by(ny(2026, 12, 25, 10, 0), 5, open_on_christmas)) == datetime(2026, 12, 25, 10, 5)


def test_saturday_hours_count_when_configured():
    hours = BusinessHours(tz="America/Chicago", weekly={**OFFICE.weekly, 5: (time(10), time(14))})

    deadline = respond_by(datetime(2026, 12, 18, 23, 0, tzinfo=UTC), 30, hours)  # Friday 17:00 CST

    assert deadline == datetime(2026, 12, 19, 16, 30, tzinfo=UTC)  # Saturday 10:30 CST


def test_opening_hours_accept_strings_from_stored_json():
    hours = BusinessHours(tz="America/New_York", weekly={"0": ("08:30", "17:00")})

    assert hours.weekly == {0: (time(8, 30), time(17))}


def test_business_minutes_between_counts_only_open_time():
    friday_four = ny(2026, 12, 18, 16, 0)
    monday_ten = ny(2026, 12, 21, 10, 0)

    assert business_minutes_between(friday_four, monday_ten, OFFICE) == 120
    assert business_minutes_between(monday_ten, friday_four, OFFICE) == -120


def test_business_minutes_between_skips_holidays_and_counts_seconds():
    assert business_minutes_between(ny(2026, 12, 24, 16, 0), ny(2026, 12, 28, 9, 30), OFFICE) == 90
    assert business_minutes_between(ny(2026, 12, 15, 10, 0), ny(2026, 12, 15, 10, 0, 30), OFFICE) == 0.5
    assert business_minutes_between(ny(2026, 12, 19, 10, 0), ny(2026, 12, 20, 10, 0), OFFICE) == 0


def test_respond_by_and_business_minutes_agree():
    received = ny(2026, 12, 17, 15, 12)

    deadline = respond_by(received, 500, OFFICE)

    assert business_minutes_between(received, deadline, OFFICE) == 500


def test_add_business_days_skips_weekends_and_holidays():
    assert add_business_days(date(2026, 12, 18), 1, OFFICE) == date(2026, 12, 21)
    assert add_business_days(date(2026, 12, 24), 1, OFFICE) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 21), 5, OFFICE) == date(2026, 12, 29)
    assert add_business_days(date(2026, 11, 25), 1, OFFICE) == date(2026, 11, 27)


def test_add_business_days_backwards_and_zero():
    assert add_business_days(date(2026, 12, 28), -1, OFFICE) == date(2026, 12, 24)
    assert add_business_days(date(2026, 12, 19), 0, OFFICE) == date(2026, 12, 21)
    assert add_business_days(date(2026, 12, 16), 0, OFFICE) == date(2026, 12, 16)


def test_is_open_and_next_open():
    assert is_open(ny(2026, 12, 15, 9, 0), OFFICE) is True
    assert is_open(ny(2026, 12, 15, 17, 0), OFFICE) is False
    assert as_ny(next_open_utc(ny(2026, 12, 25, 12, 0), OFFICE)) == datetime(2026, 12, 28, 9, 0)


def test_closed_reason_explains_each_kind_of_closed_day():
    assert OFFICE.closed_reason(date(2026, 12, 25)) == "holiday: Christmas Day"
    assert OFFICE.closed_reason(date(2026, 12, 26)) == "closed on this weekday"
    assert OFFICE.closed_reason(date(2026, 12, 28)) is None


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        respond_by(datetime(2026, 12, 15, 10, 0), 5, OFFICE)
    with pytest.raises(ValueError, match="negative"):
        respond_by(ny(2026, 12, 15, 10, 0), -1, OFFICE)
    with pytest.raises(ValueError, match="after opening"):
        BusinessHours(weekly={0: (time(17), time(9))})
    with pytest.raises(ValueError, match="no business hours"):
        respond_by(ny(2026, 12, 15, 10, 0), 5, BusinessHours(weekly={}))


def test_unknown_holiday_calendar_is_rejected():
    with pytest.raises(ValueError, match="unknown holiday calendar"):
        BusinessHours(holiday_country="US", holiday_subdivision="ZZ")


@given(
    received=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=0, max_value=5000),
)
@settings(max_examples=200, deadline=None)
def test_deadline_is_always_exactly_the_sla_in_business_minutes(received, minutes):
    deadline = respond_by(received, minutes, OFFICE)

    assert deadline >= received
    assert business_minutes_between(received, deadline, OFFICE) == pytest.approx(minutes)
    if minutes == 0:
        assert deadline == next_open_utc(received, OFFICE)
    else:
        assert business_minutes_between(received, deadline - timedelta(seconds=1), OFFICE) < minutes
