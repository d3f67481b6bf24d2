"""Connecticut, Pennsylvania and Rhode Island calling windows, checked in the borrower's local time with the clock
moved there: the gate's decision for a text or call "now", and a loan officer's call through the real gate.

Sources (each rule's comment in firstcall/compliance/engine/windows.py): CT 9 a.m.-8 p.m. every day (the
stricter of the two tables REFERENCE §4.3 cites); PA Saturday 8 a.m.-noon and no calls on the holidays its law
names; RI 9 a.m.-6 p.m. weekdays, 10 a.m.-5 p.m. Saturday, no Sundays or holidays (R.I. Gen. Laws 5-61-2)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from firstcall.compliance.engine import ALLOW, HOLD, ConsentRecord, Touch, decide
from firstcall.compliance.engine.windows import STATE_CALLING_WINDOWS, pennsylvania_solicitation_holidays
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.models import Consent
from tests.outside_services import tampa_borrower as make_lead

EASTERN = ZoneInfo("America/New_York")
HARTFORD = ("+18605550142", "06103", "CT")  # 860: Connecticut
PHILADELPHIA = ("+12155550142", "19103", "PA")  # 215: Pennsylvania
PROVIDENCE = ("+14015550142", "02903", "RI")  # 401: Rhode Island


def local(*args) -> datetime:
    return datetime(*args, tzinfo=EASTERN)


def decide_now(where, channel="sms"):
    """The gate's decision for a marketing touch at the (travelled) current time."""
    phone, zip_code, state = where
    now = datetime.now(UTC)
    return decide(
        Touch(
            channel=channel,
            kind="marketing",
            to=phone,
            at=now,
            zip=zip_code,
            state=state,
            consent=(ConsentRecord(channel, phone, local(2020, 1, 5, 9, 0), None),),
        )
    )


def held_reason(decision) -> str:
    """The calling-window reason that held the touch (the state's rule is named in its detail and citation)."""
    return next(r.detail for r in decision.reasons if r.rule.startswith("window.") and r.outcome == HOLD)


# --------------------------------------------------------------------------------------------- Connecticut


@pytest.mark.parametrize(
    ("moment", "outcome", "until"),
    [
        (local(2026, 7, 14, 8, 30), HOLD, local(2026, 7, 14, 9, 0)),  # Tuesday, federal window open, CT not
        (local(2026, 7, 14, 9, 0), ALLOW, None),
        (local(2026, 7, 14, 19, 59), ALLOW, None),
        (local(2026, 7, 14, 20, 0), HOLD, local(2026, 7, 15, 9, 0)),  # 8 p.m., the stricter reading
        (local(2026, 7, 19, 10, 0), ALLOW, None),  # Sunday: no Sunday rule in either source
        (local(2026, 12, 25, 10, 0), ALLOW, None),  # Christmas: the tables restrict no CT holiday
    ],
)
def test_connecticut_nine_to_eight_every_day(moment, outcome, until):
    with time_machine.travel(moment, tick=False):
        for channel in ("sms", "call"):
            decision = decide_now(HARTFORD, channel)
            assert decision.outcome == outcome, decision.summary
            if until:
                assert decision.until == until
                assert "CT" in held_reason(decision)


def test_connecticut_rule_is_dated_and_cites_both_tables():
    rule = STATE_CALLING_WINDOWS["CT"]
    assert rule.checked_on == date(2026, 12, 8) and rule.effective_from == date(2023, 10, 1)
    assert "dropcowboy" in rule.source and "clickpoint" in rule.source and "42-288a" in rule.source
    with time_machine.travel(local(2023, 9, 30, 20, 30), tick=False):  # before the 2023 amendment
        assert decide_now(HARTFORD).outcome == ALLOW


# -------------------------------------------------------------------------------------------- Pennsylvania


@pytest.mark.parametrize(
    ("moment", "outcome", "until"),
    [
        (local(2026, 7, 14, 20, 30), ALLOW, None),  # Tuesday: federal 8 a.m.-9 p.m.
        (local(2026, 7, 18, 11, 59), ALLOW, None),  # Saturday morning
        (local(2026, 7, 18, 12, 0), HOLD, local(2026, 7, 19, 8, 0)),  # Saturday noon: until Sunday 8 a.m.
        (local(2026, 7, 19, 20, 30), ALLOW, None),  # Sunday: federal window
        (local(2026, 4, 3, 10, 0), HOLD, local(2026, 4, 4, 8, 0)),  # Good Friday (not in `holidays` for PA)
        (local(2026, 6, 15, 10, 0), ALLOW, None),  # the day after Flag Day
        (local(2026, 11, 3, 10, 0), HOLD, local(2026, 11, 4, 8, 0)),  # Election Day
        (local(2026, 11, 26, 10, 0), HOLD, local(2026, 11, 28, 8, 0)),  # Thanksgiving and the day after
        (local(2026, 12, 25, 10, 0), HOLD, local(2026, 12, 26, 8, 0)),  # Christmas (a Friday)
    ],
)
def test_pennsylvania_saturday_mornings_and_no_holidays(moment, outcome, until):
    with time_machine.travel(moment, tick=False):
        for channel in ("sms", "call"):
            decision = decide_now(PHILADELPHIA, channel)
            assert decision.outcome == outcome, decision.summary
            if until:
                assert decision.until == until


def test_pennsylvania_holidays_its_law_names():
    names = pennsylvania_solicitation_holidays(2027)
    assert names[date(2027, 3, 26)] == "Good Friday"
    assert names[date(2027, 6, 14)] == "Flag Day"
    assert names[date(2027, 11, 2)] == "Election Day"
    with time_machine.travel(local(2026, 6, 14, 10, 0), tick=False):  # Flag Day on a Sunday
        decision = decide_now(PHILADELPHIA)
        assert decision.outcome == HOLD and "Flag Day" in held_reason(decision)


# -------------------------------------------------------------------------------------------- Rhode Island


@pytest.mark.parametrize(
    ("moment", "outcome", "until"),
    [
        (local(2026, 7, 14, 8, 30), HOLD, local(2026, 7, 14, 9, 0)),
        (local(2026, 7, 14, 17, 59), ALLOW, None),
        (local(2026, 7, 14, 18, 0), HOLD, local(2026, 7, 15, 9, 0)),  # 6 p.m. on a weekday
        (local(2026, 7, 17, 18, 30), HOLD, local(2026, 7, 18, 10, 0)),  # Friday evening: Saturday 10 a.m.
        (local(2026, 7, 18, 9, 30), HOLD, local(2026, 7, 18, 10, 0)),  # Saturday opens at 10
        (local(2026, 7, 18, 16, 59), ALLOW, None),
        (local(2026, 7, 18, 17, 0), HOLD, local(2026, 7, 20, 9, 0)),  # Saturday 5 p.m.: no Sunday at all
        (local(2026, 7, 19, 12, 0), HOLD, local(2026, 7, 20, 9, 0)),  # Sunday
        (local(2026, 8, 10, 12, 0), HOLD, local(2026, 8, 11, 9, 0)),  # Victory Day (state holiday)
        (local(2026, 1, 19, 12, 0), HOLD, local(2026, 1, 20, 9, 0)),  # Martin Luther King Jr. Day (federal)
        (local(2026, 7, 3, 12, 0), HOLD, local(2026, 7, 6, 9, 0)),  # Independence Day observed, then weekend
    ],
)
def test_rhode_island_hours_of_operation(moment, outcome, until):
    with time_machine.travel(moment, tick=False):
        for channel in ("sms", "call"):
            decision = decide_now(PROVIDENCE, channel)
            assert decision.outcome == outcome, decision.summary
            if until:
                assert decision.until == until


def test_rhode_island_rule_cites_the_statute():
    rule = STATE_CALLING_WINDOWS["RI"]
    assert rule.confidence == "V" and "5-61-2" in rule.source and rule.closed_on_holidays
    assert rule.checked_on == date(2026, 12, 8)


# --------------------------------------------------------------------- a loan officer's call, end to end


@time_machine.travel(local(2026, 7, 19, 12, 0), tick=False)  # Sunday noon in Providence
def test_a_call_to_a_rhode_island_borrower_on_sunday_is_held_until_monday(organisation, owner):
    phone, zip_code, state = PROVIDENCE
    lead = make_lead(
        organisation, owner=owner, phone=phone, zip_code=zip_code, state=state, consent_calls=True
    )
    Consent.objects.create(
        lead=lead, channel="calls", is_granted=True, address=phone, recorded_at=local(2026, 7, 1, 9, 0)
    )
    decision = calls.check_call(lead, actor=owner)
    assert decision.outcome == HOLD and decision.until == local(2026, 7, 20, 9, 0)
    assert "RI no messages on Sun" in held_reason(decision)
