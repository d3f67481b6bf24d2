"""Loan limits: conforming (FHFA county table + national baseline) and FHA (derived, see `fha_limit`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .common import ProgramContext
from .limit_tables import LimitTable, table_for
from .money import usd


@dataclass(frozen=True, slots=True)
class ConformingLimits:
    baseline: Decimal  # national baseline for the unit count (AK/HI/GU/VI: their higher baseline)
    ceiling: Decimal  # national high-cost ceiling for the unit count
    county_limit: Decimal | None  # None when no county table covers as_of or the county is unknown
    place: str  # "Los Angeles County, CA" or a description of what is unknown
    source: str
    rule_id: str = "conventional.conforming_limits"
    table: LimitTable | None = None  # the county table the county limit came from
    rule_citation: str = ""

    @property
    def citation(self) -> str:
        if self.table is None:
            return self.rule_citation or self.source
        return f"{self.table.label} ({self.table.file_name}); {self.rule_citation}"

    @property
    def high_cost(self) -> bool:
        return self.county_limit is not None and self.county_limit > self.baseline


def conforming_limits(context: ProgramContext) -> ConformingLimits | None:
    """None when no national conforming limits are in force on as_of (outside the rule set's years)."""
    shared = context.scenario.shared
    if "conforming_limits" not in shared:
        shared["conforming_limits"] = _conforming_limits(context)
    return shared["conforming_limits"]


def _conforming_limits(context: ProgramContext) -> ConformingLimits | None:
    scenario = context.scenario
    rule = context.book.rule("conventional.conforming_limits", scenario.as_of)
    if rule is None or scenario.units is None:
        return None
    units = str(scenario.units)
    special = scenario.state in rule.params["special_baseline_states"]
    baseline = Decimal(rule.params["special_baseline" if special else "baseline"][units])
    ceiling = Decimal(rule.params["ceiling"][units])
    county = scenario.county
    if county is None:
        return ConformingLimits(
            baseline, ceiling, None, "an unknown county", rule.source, rule_citation=rule.citation_text
        )
    table = table_for("conforming", scenario.as_of, context.book)
    if table is None:
        return ConformingLimits(
            baseline,
            ceiling,
            None,
            f"{county.label} (no county limit table for {scenario.as_of.year})",
            rule.source,
            rule_citation=rule.citation_text,
        )
    county_limit = table.limit(county.fips, scenario.units)
    if county_limit is None:
        return ConformingLimits(
            baseline,
            ceiling,
            None,
            f"{county.label} (not in {table.label})",
            table.source,
            table=table,
            rule_citation=rule.citation_text,
        )
    return ConformingLimits(
        baseline,
        ceiling,
        county_limit,
        county.label,
        table.source,
        table=table,
        rule_citation=rule.citation_text,
    )


@dataclass(frozen=True, slots=True)
class FhaLimit:
    floor: Decimal
    ceiling: Decimal
    definite_limit: Decimal  # a base loan at or below this is within the county's FHA limit for certain
    fail_above: Decimal | None  # above this the loan is over the FHA limit for certain; None: never certain
    # Between definite_limit and fail_above only HUD's county lookup can tell: refer.
    explanation: str
    source: str
    # HUD's county table when imported, else the conforming table the limit was derived from.
    table: LimitTable | None = None
    rule_citation: str = ""

    @property
    def citation(self) -> str:
        if self.table is None:
            return self.rule_citation or self.source
        return f"{self.table.label} ({self.table.file_name}); {self.rule_citation}"


SPECIAL_FHA_STATES = ("AK", "HI", "GU", "VI")


def fha_limit(context: ProgramContext, conforming: ConformingLimits | None) -> FhaLimit | None:
    """FHA county limits are not available offline, so the limit is derived, and labelled so.

    HUD sets the county limit at 115% of the median price, clamped between the national floor and ceiling;
    FHFA uses the same 115% of median clamped between the conforming baseline and the same ceiling. Hence:
    - a base loan up to the floor is within the FHA limit everywhere;
    - in a high-cost county (conforming limit above the baseline) the FHA limit equals the conforming county
      limit (capped at the ceiling);
    - in a baseline county the FHA limit is somewhere between the floor and the baseline: refer in between;
    - the FHA limit never exceeds the conforming county limit, so above it is a definite no.
    AK/HI/Guam/USVI use special ceilings we could not verify, so anything above the floor is referred there.
    """
    scenario = context.scenario
    rule = context.rule("fha.loan_limits")
    if rule is None or scenario.units is None:
        return None
    units = str(scenario.units)
    floor = Decimal(rule.params["floor"][units])
    ceiling = Decimal(rule.params["ceiling"][units])
    county = scenario.county
    table = table_for("fha", scenario.as_of)
    if table is not None and county is not None:
        county_limit = table.limit(county.fips, scenario.units)
        if county_limit is not None:
            # HUD's own county figure: definite both ways, no referral between the floor and the ceiling.
            return FhaLimit(
                floor,
                ceiling,
                county_limit,
                county_limit,
                f"{county.label} FHA limit from {table.label} ({table.file_name})",
                table.source,
                table,
                rule_citation=rule.citation_text,
            )
    derived = "derived from the conforming county limit (no HUD county table imported for this year)"
    special_states = rule.params.get("special_exception_states", SPECIAL_FHA_STATES)
    if scenario.state in special_states:
        # ML 2025-23: AK, HI, GU and VI have a higher "special exception" ceiling; the floor is national.
        special = rule.params.get("special_exception_ceiling")
        special_ceiling = Decimal(special[units]) if special else None
        return FhaLimit(
            floor,
            special_ceiling or ceiling,
            floor,
            special_ceiling,
            f"{scenario.state} is a special exception area (ceiling "
            f"{usd(special_ceiling) if special_ceiling else 'unknown'}); its county FHA limit must be checked "
            "in HUD's county table",
            rule.source,
        )
    conforming_table = conforming.table if conforming is not None else None
    if conforming is None or conforming.county_limit is None:
        return FhaLimit(
            floor,
            ceiling,
            floor,
            ceiling,
            "the county FHA limit is unknown here: check HUD's county lookup",
            rule.source,
            rule_citation=rule.citation_text,
        )
    county_limit = conforming.county_limit
    if conforming.high_cost:
        limit = min(county_limit, ceiling)
        return FhaLimit(
            floor,
            ceiling,
            limit,
            limit,
            f"{conforming.place} is a high-cost county; FHA limit {derived}",
            rule.source,
            conforming_table,
            rule_citation=rule.citation_text,
        )
    return FhaLimit(
        floor,
        ceiling,
        floor,
        min(county_limit, ceiling),
        f"{conforming.place} is at the conforming baseline, so its FHA limit is between the national floor "
        "and "
        f"the conforming limit: check HUD's county lookup",
        rule.source,
        conforming_table,
        rule_citation=rule.citation_text,
    )
