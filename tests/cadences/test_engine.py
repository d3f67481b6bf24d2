"""The pure cadence decisions: who fits a cadence, when waits end, which way branches go."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from firstcall.cadences import engine
from firstcall.routing.sla import BusinessHours

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = BusinessHours(tz="America/New_York")


def at(*args, zone=NEW_YORK):
    return datetime(*args, tzinfo=zone)


def test_empty_rules_match_any_lead():
    assert engine.rule_mismatches(engine.Rules(), engine.Segment(purpose="purchase")) == []


def test_rules_explain_why_a_lead_does_not_fit():
    rules = engine.Rules(
        pipeline_kind="purchase", loan_types=("fha",), languages=("en", "es"), source_ids=(3,)
    )
    segment = engine.Segment(pipeline_kind="refinance", loan_type="VA", language="fr", source_id=4)
    assert engine.rule_mismatches(rules, segment) == [
        "pipeline is refinance, not purchase",
        "loan type VA is not one of fha",
        "language fr is not one of en, es",
        "source is not one of the cadence's sources",
    ]
    assert (
        engine.rule_mismatches(rules, engine.Segment("purchase", loan_type="FHA", language="es", source_id=3))
        == []
    )


@pytest.mark.parametrize(
    ("start", "wait", "expected"),
    [
        (at(2026, 3, 9, 10), engine.Wait(3, "hours"), at(2026, 3, 9, 13)),
        (at(2026, 3, 9, 10), engine.Wait(2, "days"), at(2026, 3, 11, 10)),
        (at(2026, 3, 9, 22), engine.Wait(1, "days", time(9)), at(2026, 3, 10, 9)),
        (at(2026, 3, 13, 15), engine.Wait(1, "business_days"), at(2026, 3, 16, 15)),  # Fri -> Mon
        (at(2026, 12, 24, 11), engine.Wait(1, "business_days", time(9, 30)), at(2026, 12, 28, 9, 30)),
        (at(2026, 3, 9, 8), engine.Wait(0, "until_time", time(10)), at(2026, 3, 9, 10)),
        (at(2026, 3, 9, 11), engine.Wait(0, "until_time", time(10)), at(2026, 3, 10, 10)),
        (at(2026, 3, 14, 12), engine.Wait(0, "business_days", time(10)), at(2026, 3, 16, 10)),  # Sat -> Mon
        (at(2026, 3, 7, 10), engine.Wait(1, "days"), at(2026, 3, 8, 10)),  # across the DST change
    ],
)
def test_wait_end(start, wait, expected):
    assert engine.wait_end(start, wait, NEW_YORK, WEEKDAYS) == expected.astimezone(UTC)


def test_business_days_use_the_organisations_open_days():
    six_days = BusinessHours(tz="America/New_York", weekly={day: (time(9), time(17)) for day in range(6)})
    assert engine.wait_end(at(2026, 3, 13, 15), engine.Wait(1, "business_days"), NEW_YORK, six_days) == at(
        2026, 3, 14, 15
    ).astimezone(UTC)


def test_plan_next_folds_waits_into_the_due_time():
    steps = [
        engine.PlanStep(0, "a", "send_sms"),
        engine.PlanStep(1, "w1", "wait", engine.Wait(2, "days")),
        engine.PlanStep(2, "w2", "wait", engine.Wait(0, "until_time", time(9))),
        engine.PlanStep(3, "b", "send_email"),
    ]
    start = at(2026, 3, 9, 15)
    assert engine.plan_next(steps, 0, start, NEW_YORK, WEEKDAYS) == engine.NextStep(0, start)
    assert engine.plan_next(steps, 1, start, NEW_YORK, WEEKDAYS) == engine.NextStep(
        3, at(2026, 3, 12, 9).astimezone(UTC)
    )
    assert engine.plan_next(steps, 4, start, NEW_YORK, WEEKDAYS).position is None


@pytest.mark.parametrize(
    ("field", "values", "negate", "facts", "expected"),
    [
        ("score_tier", ["hot"], False, engine.BranchFacts(score_tier="hot"), True),
        ("score_tier", ["hot"], True, engine.BranchFacts(score_tier="hot"), False),
        ("stage", ["pre-approved"], False, engine.BranchFacts(stage="Pre-approved"), True),
        ("loan_type", ["va", "fha"], False, engine.BranchFacts(loan_type="conventional"), False),
        ("has_agent", [], False, engine.BranchFacts(has_agent=None), False),
        ("has_agent", [], False, engine.BranchFacts(has_agent=True), True),
        ("replied", [], False, engine.BranchFacts(has_replied=True), True),
    ],
)
def test_branch_conditions(field, values, negate, facts, expected):
    assert engine.condition_holds(field, values, negate, facts)[0] is expected


def test_a_zone_that_does_not_exist_falls_back():
    assert engine.zone_or("Mars/Olympus", "America/Chicago") == ZoneInfo("America/Chicago")
    assert engine.zone_or("", "") == NEW_YORK


def test_holidays_come_from_the_calendar():
    assert not WEEKDAYS.is_business_day(date(2026, 12, 25))
