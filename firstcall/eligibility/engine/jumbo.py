"""Jumbo (non-agency) loans: above the county conforming limit, with lender-configurable thresholds.

There is no agency rule book for jumbo, so the defaults in rules/jumbo.json are FirstCall's market defaults
and a lender overlay *replaces* them (the strictest overlay wins), with the overlay named in the check.
"""

from __future__ import annotations

from decimal import Decimal

from .checks import FAIL, PASS, REFER, ProgramEvaluation
from .common import (
    CORE_FIELDS,
    LOCATION_FIELDS,
    PURPOSE_LABELS,
    ProgramContext,
    check_allowed_occupancy,
    check_ltv,
    check_ratio,
    check_reserves,
    check_term,
    check_waiting_periods,
    fill_figures,
    require_inputs,
    scenario_structure,
    solve_max_price,
    suggest_lower_debts,
    suggest_max_price,
)
from .finance import LoanTerms
from .limits import conforming_limits
from .money import usd
from .rulebook import Rule

REQUIRED_FIELDS = CORE_FIELDS + LOCATION_FIELDS


def _setting(context: ProgramContext, rule: Rule, key: str, setting: str, *, strictest_is_lowest: bool):
    """(value, rule-like source, label): the overlay's value when one sets it, else the default."""
    best = None
    for overlay, settings in context.overlays:
        if setting in settings:
            value = settings[setting]
            if best is None or (value < best[0] if strictest_is_lowest else value > best[0]):
                best = (value, overlay)
    if best is None:
        return Decimal(rule.params[key]), rule.source, "FirstCall jumbo default"
    value, overlay = best
    return value, overlay.source, overlay.label


def evaluate(context: ProgramContext) -> ProgramEvaluation:
    scenario = context.scenario
    evaluation = ProgramEvaluation("jumbo")
    require_inputs(evaluation, scenario, REQUIRED_FIELDS)
    if scenario.as_of is None:
        return evaluation

    rules = {
        name: context.rule(f"jumbo.{name}")
        for name in ("applicability", "min_credit_score", "max_ltv", "max_dti", "reserves", "occupancy")
    }
    missing = [name for name, rule in rules.items() if rule is None]
    for name in missing:
        evaluation.no_rule(f"jumbo.{name}", scenario.as_of, f"jumbo {name.replace('_', ' ')}")
    limits = conforming_limits(context)
    if limits is not None:
        evaluation.limit_table = limits.table
    if context.rule("conventional.conforming_limits") is None:
        evaluation.no_rule(
            "jumbo.applicability", scenario.as_of, "the conforming limit that jumbo starts above"
        )
    if missing or limits is None:
        fill_figures(context, evaluation, None, None)
        return evaluation

    check_allowed_occupancy(context, evaluation, "jumbo.occupancy")
    check_term(context, evaluation)
    minimum_score, score_source, score_owner = _setting(
        context, rules["min_credit_score"], "minimum", "min_credit_score", strictest_is_lowest=False
    )
    if scenario.credit_score is not None:
        minimum = int(minimum_score)
        if scenario.credit_score >= minimum:
            evaluation.add(
                "jumbo.min_credit_score",
                PASS,
                f"Credit score {scenario.credit_score} meets the jumbo minimum of {minimum} ({score_owner}).",
                score_source,
            )
        else:
            evaluation.add(
                "jumbo.min_credit_score",
                FAIL,
                f"Credit score {scenario.credit_score} is below the jumbo minimum of {minimum} "
                f"({score_owner}).",
                score_source,
            )
            evaluation.suggest(
                "jumbo.min_credit_score",
                "credit_score",
                minimum,
                f"A credit score of {minimum} or higher meets the jumbo minimum ({score_owner}).",
            )
    check_waiting_periods(context, evaluation)
    reserves, reserves_source, reserves_owner = _setting(
        context, rules["reserves"], "min_reserves_months", "min_reserves_months", strictest_is_lowest=False
    )
    check_reserves(
        context, evaluation, "jumbo.reserves", reserves, reserves_source, f"jumbo, {reserves_owner}"
    )
    blocked = evaluation.has_failure()

    max_ltv, ltv_source, ltv_owner = _setting(
        context, rules["max_ltv"], "max_ltv", "max_ltv", strictest_is_lowest=True
    )
    max_dti, dti_source, dti_owner = _setting(
        context, rules["max_dti"], "max_dti_back", "max_dti_back", strictest_is_lowest=True
    )
    max_front = context.overlay_setting("max_dti_front", lowest=True)
    threshold = limits.county_limit if limits.county_limit is not None else limits.ceiling
    terms = LoanTerms(
        max_ltv_for_loan=lambda _base_loan: max_ltv,
        max_dti_back=max_dti,
        max_dti_front=max_front,
        min_loan_exclusive=threshold,
    )

    if scenario.base_loan is not None and scenario.value is not None:
        _check_applicability(evaluation, rules["applicability"], limits, scenario.base_loan, scenario.units)
        ltv_rule = Rule("jumbo.max_ltv", rules["max_ltv"].effective_from, None, ltv_source, {})
        check_ltv(
            context,
            evaluation,
            ltv_rule,
            max_ltv,
            f"a jumbo {PURPOSE_LABELS[scenario.purpose]} ({ltv_owner})",
        )

    loan = scenario_structure(context, terms)
    if loan is not None and loan.dti_back is not None:
        dti_rule = Rule("jumbo.max_dti", rules["max_dti"].effective_from, None, dti_source, {})
        outcome = check_ratio(
            context,
            evaluation,
            dti_rule,
            "jumbo.max_dti",
            f"Back-end DTI ({dti_owner})",
            loan.dti_back,
            max_dti,
            None,
            "",
        )
        if outcome != PASS:
            suggest_lower_debts(context, evaluation, "jumbo.max_dti", loan, max_dti)
        if max_front is not None:
            front_rule = Rule(
                "jumbo.max_dti_front", rules["max_dti"].effective_from, None, _front_source(context), {}
            )
            check_ratio(
                context,
                evaluation,
                front_rule,
                "overlay.jumbo.max_dti_front",
                "Front-end DTI (overlay)",
                loan.dti_front,
                max_front,
                None,
                "",
            )

    fill_figures(context, evaluation, loan, limits.county_limit)
    if not blocked:
        evaluation.figures.max_purchase_price = solve_max_price(context, terms, (max_ltv,))
        suggest_max_price(context, evaluation, terms, loan)
    return evaluation


def _front_source(context: ProgramContext) -> str:
    for overlay, settings in context.overlays:
        if "max_dti_front" in settings:
            return overlay.source
    return ""


def _check_applicability(evaluation, rule, limits, base_loan, units) -> None:
    units_text = f"{units} unit{'s' if units != 1 else ''}"
    if limits.county_limit is not None:
        if base_loan > limits.county_limit:
            evaluation.record(
                rule,
                PASS,
                f"Base loan {usd(base_loan)} is above the {usd(limits.county_limit)} conforming limit for "
                f"{units_text} in "
                f"{limits.place}: a jumbo loan.",
            )
        else:
            evaluation.record(
                rule,
                FAIL,
                f"Base loan {usd(base_loan)} is within the {usd(limits.county_limit)} conforming limit for "
                f"{units_text} in "
                f"{limits.place}: this is a conforming loan, not jumbo.",
            )
        return
    if base_loan > limits.ceiling:
        evaluation.record(
            rule,
            PASS,
            f"Base loan {usd(base_loan)} is above the national {usd(limits.ceiling)} ceiling: a jumbo loan "
            "in any county.",
        )
    elif base_loan <= limits.baseline:
        evaluation.record(
            rule,
            FAIL,
            f"Base loan {usd(base_loan)} is within the {usd(limits.baseline)} baseline conforming limit: "
            "not jumbo.",
        )
    else:
        evaluation.record(
            rule,
            REFER,
            f"Base loan {usd(base_loan)} is between the baseline and the ceiling; whether it is jumbo "
            f"depends on {limits.place}.",
        )
