"""Cadence decisions, pure Python (no Django): does a lead fit a cadence, when does a wait end, which way does
a branch go, and which step comes next. Services load plain facts, call these, and apply the answers.

Time rules:
- Every wait is measured in the borrower's local time zone, so "2 days" keeps the local time of day across a
  daylight-saving change and "until 10:00" means 10 a.m. where the borrower is.
- Business days come from the organisation's calendar (routing.sla.BusinessHours: open weekdays and holidays
  from the ``holidays`` package), applied to the borrower's local date.
- Quiet hours are not decided here: the messaging gate holds a text until the window opens (DESIGN.md §1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firstcall.routing.sla import BusinessHours, add_business_days

WAIT, BRANCH = "wait", "branch"
HOURS, DAYS, BUSINESS_DAYS, UNTIL_TIME = "hours", "days", "business_days", "until_time"
# A plan with branches that jump back without a wait could loop for ever; this many steps in a row without
# a wait ends the walk.
MAX_STEPS_WITHOUT_WAIT = 50


# ----------------------------------------------------------------------------------------- who is enrolled


@dataclass(frozen=True)
class Segment:
    """The facts about a lead that enrolment rules look at."""

    pipeline_kind: str = ""
    purpose: str = ""
    loan_type: str = ""
    source_id: int | None = None
    stage: str = ""
    score_tier: str = ""
    language: str = "en"


@dataclass(frozen=True)
class Rules:
    pipeline_kind: str = ""
    purposes: Sequence[str] = ()
    loan_types: Sequence[str] = ()
    source_ids: Sequence[int] = ()
    stages: Sequence[str] = ()
    score_tiers: Sequence[str] = ()
    languages: Sequence[str] = ()


def _folded(values) -> set[str]:
    return {str(value).strip().casefold() for value in values or () if str(value).strip()}


def rule_mismatches(rules: Rules, segment: Segment) -> list[str]:
    """Why the lead does not fit (empty: it fits). An empty rule list means "any"."""
    problems = []
    if rules.pipeline_kind and rules.pipeline_kind != segment.pipeline_kind:
        problems.append(f"pipeline is {segment.pipeline_kind or 'unknown'}, not {rules.pipeline_kind}")
    checks = (
        ("purpose", rules.purposes, segment.purpose),
        ("loan type", rules.loan_types, segment.loan_type),
        ("stage", rules.stages, segment.stage),
        ("score tier", rules.score_tiers, segment.score_tier),
        ("language", rules.languages, segment.language),
    )
    for label, allowed, value in checks:
        if allowed and (value or "").casefold() not in _folded(allowed):
            problems.append(f"{label} {value or 'unknown'} is not one of {', '.join(map(str, allowed))}")
    if rules.source_ids and segment.source_id not in {int(value) for value in rules.source_ids}:
        problems.append("source is not one of the cadence's sources")
    return problems


# ------------------------------------------------------------------------------------------------- waits


@dataclass(frozen=True)
class Wait:
    amount: int
    unit: str
    at_local_time: time | None = None


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback, "America/New_York"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def wait_end(start: datetime, wait: Wait, zone: ZoneInfo, calendar: BusinessHours) -> datetime:
    """When a wait that starts at ``start`` ends (UTC)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    local = start.astimezone(zone)
    amount = max(int(wait.amount or 0), 0)
    if wait.unit == HOURS:
        return (start + timedelta(hours=amount)).astimezone(UTC)
    if wait.unit == UNTIL_TIME:
        clock = wait.at_local_time or time(10)
        candidate = _at(local.date(), clock, zone)
        return candidate if candidate > start else _at(local.date() + timedelta(days=1), clock, zone)
    clock = wait.at_local_time or local.time().replace(tzinfo=None)
    if wait.unit == DAYS:
        return _at(local.date() + timedelta(days=amount), clock, zone)
    if wait.unit == BUSINESS_DAYS:
        if amount == 0:
            day = add_business_days(local.date(), 0, calendar)
            candidate = _at(day, clock, zone)
            if candidate <= start:
                candidate = _at(add_business_days(day, 1, calendar), clock, zone)
            return candidate
        return _at(add_business_days(local.date(), amount, calendar), clock, zone)
    raise ValueError(f"unknown wait unit {wait.unit!r}")


def describe_wait(wait: Wait) -> str:
    clock = f" at {wait.at_local_time:%H:%M}" if wait.at_local_time else ""
    if wait.unit == UNTIL_TIME:
        return f"Wait until {(wait.at_local_time or time(10)):%H:%M} (borrower's time)"
    unit = {HOURS: "hour", DAYS: "day", BUSINESS_DAYS: "business day"}.get(wait.unit, wait.unit)
    plural = "" if wait.amount == 1 else "s"
    return f"Wait {wait.amount} {unit}{plural}{clock}{' (borrower time)' if clock else ''}"


# ---------------------------------------------------------------------------------------------- branches


@dataclass(frozen=True)
class BranchFacts:
    stage: str = ""
    score_tier: str = ""
    loan_type: str = ""
    purpose: str = ""
    has_agent: bool | None = None
    has_replied: bool = False


def condition_holds(field: str, values: Sequence[str], negate: bool, facts: BranchFacts) -> tuple[bool, str]:
    """(result, why) for a branch condition."""
    if field == "replied":
        result, why = facts.has_replied, "borrower has replied" if facts.has_replied else "no reply yet"
    elif field == "has_agent":
        result = facts.has_agent is True
        why = "has an agent" if result else "no agent on file"
    elif field in ("stage", "score_tier", "loan_type", "purpose"):
        value = getattr(facts, field) or ""
        result = value.casefold() in _folded(values)
        why = f"{field.replace('_', ' ')} is {value or 'unknown'}"
    else:
        raise ValueError(f"unknown condition {field!r}")
    if negate:
        result = not result
    return result, why


# ------------------------------------------------------------------------------------------ what comes next


@dataclass(frozen=True)
class PlanStep:
    """The part of a step the planner needs."""

    position: int
    key: str
    kind: str
    wait: Wait | None = None


@dataclass(frozen=True)
class NextStep:
    position: int | None  # None: the cadence is over
    due_at: datetime


def plan_next(
    steps: Sequence[PlanStep], from_position: int, start: datetime, zone: ZoneInfo, calendar: BusinessHours
) -> NextStep:
    """Walk from ``from_position``: waits add up into the due time; the first other step is next."""
    due = start
    position = from_position
    for _ in range(len(steps) + 1):
        if position >= len(steps):
            return NextStep(None, due)
        step = steps[position]
        if step.kind != WAIT:
            return NextStep(position, due)
        due = wait_end(due, step.wait or Wait(0, HOURS), zone, calendar)
        position += 1
    return NextStep(None, due)


def position_of(steps: Sequence[PlanStep], key: str) -> int | None:
    for step in steps:
        if step.key == key:
            return step.position
    return None
