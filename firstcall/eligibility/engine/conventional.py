"""Conventional conforming and high-balance loans (Fannie Mae / Freddie Mac standard rules, DU)."""

from __future__ import annotations

from decimal import Decimal

from .checks import FAIL, PASS, REFER, ProgramEvaluation
from .common import (
    CORE_FIELDS,
    LOCATION_FIELDS,
    PURPOSE_LABELS,
    ProgramContext,
    add_months,
    apply_agency_overlays,
    check_ltv,
    check_min_credit_score,
    check_ratio,
    check_reserves,
    check_term,
    check_waiting_periods,
    fill_figures,
    lowest_cap,
    require_inputs,
    scenario_structure,
    solve_max_price,
    suggest_loan_amount,
    suggest_lower_debts,
    suggest_max_price,
    within_exception_window,
)
from .finance import LoanTerms
from .limits import ConformingLimits, conforming_limits
from .money import HUNDRED, ZERO, pct, usd

REQUIRED_FIELDS = CORE_FIELDS + LOCATION_FIELDS
EIGHTY = Decimal(80)
NINETY_FIVE = Decimal(95)
DU_SCORE_FLOOR_REMOVED = (
    "DU no longer applies a hard 620 floor to casefiles created from 2025-11-16; DU's credit risk assessment "
    "and mortgage insurer minimums decide, so a person must look."
)


def evaluate(context: ProgramContext) -> ProgramEvaluation:
    scenario = context.scenario
    evaluation = ProgramEvaluation("conventional")
    require_inputs(evaluation, scenario, REQUIRED_FIELDS)
    if scenario.as_of is None:
        return evaluation

    check_term(context, evaluation)
    score_rule = context.rule("conventional.min_credit_score")
    if score_rule is None:
        evaluation.no_rule(
            "conventional.min_credit_score", scenario.as_of, "the conventional minimum credit score"
        )
    elif scenario.credit_score is not None:
        hard_floor = score_rule.params["below_minimum"] == "ineligible"
        check_min_credit_score(
            context,
            evaluation,
            score_rule,
            score_rule.params["minimum"],
            FAIL if hard_floor else REFER,
            "" if hard_floor else DU_SCORE_FLOOR_REMOVED,
        )
    check_waiting_periods(context, evaluation)
    ltv_caps: list[tuple[Decimal, str]] = []
    _check_foreclosure_restrictions(context, evaluation, ltv_caps)
    _check_manufactured_home(context, evaluation, ltv_caps)
    reserves_rule = context.rule("conventional.reserves")
    if reserves_rule is not None and scenario.occupancy and scenario.units:
        required = Decimal(reserves_rule.params["months"][scenario.occupancy][str(scenario.units)])
        check_reserves(
            context, evaluation, reserves_rule.id, required, reserves_rule.source, "Conventional (Fannie Mae)"
        )
    blocked = evaluation.has_failure()

    limits = conforming_limits(context)
    if limits is not None:
        evaluation.limit_table = limits.table
    grid_rule = context.rule("conventional.max_ltv")
    high_ltv_rule = context.rule("conventional.ltv_97")
    dti_rule = context.rule("conventional.max_dti")
    pmi_rule = context.rule("conventional.pmi_estimate")
    for rule_id, rule in (
        ("conventional.conforming_limits", context.rule("conventional.conforming_limits")),
        ("conventional.max_ltv", grid_rule),
        ("conventional.max_dti", dti_rule),
        ("conventional.pmi_estimate", pmi_rule),
    ):
        if rule is None:
            evaluation.no_rule(rule_id, scenario.as_of, rule_id.split(".", 1)[1].replace("_", " "))
    if limits is None or grid_rule is None or dti_rule is None or pmi_rule is None:
        fill_figures(context, evaluation, None, None)
        return evaluation
    if scenario.occupancy is None or scenario.purpose is None:
        fill_figures(context, evaluation, None, limits.county_limit)
        return evaluation

    def max_ltv_for_loan(base_loan: Decimal) -> Decimal | None:
        maximum, _why = _max_ltv(
            scenario, grid_rule, high_ltv_rule, limits, base_loan, scenario.first_time_buyer, ltv_caps
        )
        return maximum

    score = scenario.credit_score

    def annual_mi_rate(ltv: Decimal, _base_loan: Decimal) -> Decimal | None:
        return _pmi_rate(pmi_rule.params, ltv, score)

    terms = LoanTerms(
        max_ltv_for_loan=max_ltv_for_loan,
        loan_limit=limits.county_limit if limits.county_limit is not None else limits.baseline,
        annual_mi_rate_for=annual_mi_rate,
        max_dti_back=lowest_cap(
            [Decimal(dti_rule.params["max_dti_back"]), context.overlay_setting("max_dti_back", lowest=True)]
        ),
        max_dti_front=context.overlay_setting("max_dti_front", lowest=True),
    )
    overlay_max_ltv = context.overlay_setting("max_ltv", lowest=True)
    if overlay_max_ltv is not None:
        terms.max_ltv_for_loan = lambda base_loan: lowest_cap([max_ltv_for_loan(base_loan), overlay_max_ltv])

    if scenario.value is not None and scenario.base_loan is not None:
        _check_loan_limit(context, evaluation, limits, scenario.base_loan)
        maximum, why = _max_ltv(
            scenario,
            grid_rule,
            high_ltv_rule,
            limits,
            scenario.base_loan,
            scenario.first_time_buyer,
            ltv_caps,
        )
        ltv = scenario.base_loan * HUNDRED / scenario.value
        if ltv > NINETY_FIVE and maximum == NINETY_FIVE and high_ltv_rule is not None:
            _explain_97_percent(context, evaluation, high_ltv_rule, ltv, limits, why, maximum)
        else:
            check_ltv(context, evaluation, grid_rule, maximum, why)

    loan = scenario_structure(context, terms)
    if loan is not None:
        _check_mortgage_insurance(
            context, evaluation, pmi_rule, loan.ltv, loan.mi_rate, loan.mortgage_insurance
        )
        if loan.dti_back is not None:
            cap = Decimal(dti_rule.params["max_dti_back"])
            outcome = check_ratio(
                context, evaluation, dti_rule, dti_rule.id, "Back-end DTI", loan.dti_back, cap, None, ""
            )
            if outcome != PASS:
                suggest_lower_debts(context, evaluation, dti_rule.id, loan, cap)
    apply_agency_overlays(context, evaluation, loan)

    fill_figures(context, evaluation, loan, limits.county_limit)
    if not blocked:
        candidates = _ltv_candidates(scenario, grid_rule, high_ltv_rule, limits, ltv_caps)
        if overlay_max_ltv is not None:
            candidates = tuple(min(candidate, overlay_max_ltv) for candidate in candidates)
        evaluation.figures.max_purchase_price = solve_max_price(context, terms, candidates)
        suggest_max_price(context, evaluation, terms, loan)
    return evaluation


def _max_ltv(
    scenario,
    grid_rule,
    high_ltv_rule,
    limits: ConformingLimits,
    base_loan: Decimal,
    first_time_buyer,
    caps: list[tuple[Decimal, str]] = (),
):
    """(maximum LTV or None, plain-English reason): the grid's maximum, lowered by any special cap (a recent
    foreclosure, a manufactured home cash-out)."""
    maximum, why = _grid_max_ltv(scenario, grid_rule, high_ltv_rule, limits, base_loan, first_time_buyer)
    if maximum is None:
        return maximum, why
    for cap, reason in caps:
        if cap < maximum:
            maximum, why = cap, f"{why}, capped for {reason}"
    return maximum, why


def _grid_max_ltv(
    scenario, grid_rule, high_ltv_rule, limits: ConformingLimits, base_loan: Decimal, first_time_buyer
):
    """(maximum LTV or None, plain-English reason) for this occupancy, purpose, units and loan tier."""
    occupancy, purpose, units = scenario.occupancy, scenario.purpose, str(scenario.units)
    high_balance = base_loan > limits.baseline
    grid = grid_rule.params["grid"]
    if high_balance:
        high_balance_grid = grid_rule.params["high_balance_grid"].get(occupancy, {}).get(purpose, {})
        maximum = high_balance_grid.get(units, grid.get(occupancy, {}).get(purpose, {}).get(units))
    else:
        maximum = grid.get(occupancy, {}).get(purpose, {}).get(units)
    tier = "high-balance" if high_balance else "conforming"
    occupancy_text = occupancy.replace("_", " ")
    why = f"a {units}-unit {occupancy_text} {PURPOSE_LABELS[purpose]} ({tier})"
    if maximum is None:
        return None, f"no {tier} {PURPOSE_LABELS[purpose]} of a {units}-unit {occupancy_text}"
    maximum = Decimal(maximum)
    if (
        high_ltv_rule is not None
        and not high_balance
        and occupancy == "primary"
        and units == "1"
        and purpose == "purchase"
        and first_time_buyer is True
        and scenario.term_months is not None
        and scenario.term_months <= high_ltv_rule.params["max_term_months"]
    ):
        cap = (
            high_ltv_rule.params["manufactured_max_ltv"]
            if scenario.property_type == "manufactured"
            else high_ltv_rule.params["max_ltv"]
        )
        if Decimal(cap) > maximum:
            return Decimal(cap), f"a 1-unit primary purchase with a first-time buyer, fixed rate ({tier})"
    return maximum, why


def _explain_97_percent(context, evaluation, rule, ltv, limits, why, maximum) -> None:
    """LTV above 95%: say exactly which 97% condition is not met, or refer when the data can't tell."""
    scenario = context.scenario
    reasons = []
    if scenario.base_loan > limits.baseline:
        reasons.append("high-balance loans are capped at 95%")
    if scenario.occupancy != "primary" or scenario.units != 1:
        reasons.append("only 1-unit primary residences qualify")
    if scenario.property_type == "manufactured":
        reasons.append("standard manufactured housing is capped at 95%")
    if scenario.term_months is not None and scenario.term_months > rule.params["max_term_months"]:
        reasons.append(f"the term must be {rule.params['max_term_months']} months or less")
    if ltv > Decimal(rule.params["max_ltv"]):
        reasons.append("97% is the maximum even then")
    if reasons:
        check_ltv(
            context,
            evaluation,
            context.rule("conventional.max_ltv"),
            maximum,
            why + "; " + "; ".join(reasons),
        )
        return
    if scenario.purpose == "rate_term_refinance":
        evaluation.record(
            rule,
            REFER,
            f"LTV {pct(ltv)} is above 95%: a limited cash-out refinance up to 97% needs Fannie Mae to own "
            "the "
            "existing loan, which a person must confirm.",
        )
        return
    if scenario.purpose == "purchase" and scenario.first_time_buyer is None:
        evaluation.record(
            rule,
            REFER,
            f"LTV {pct(ltv)} is above 95%: 97% needs at least one first-time buyer, and first_time_buyer is "
            "missing.",
        )
        return
    if scenario.purpose == "purchase" and scenario.first_time_buyer is False:
        evaluation.record(
            rule,
            FAIL,
            f"LTV {pct(ltv)} is above 95%: the standard 97% option needs at least one first-time buyer "
            "(HomeReady/Home Possible do not, but cap income at 80% of area median).",
        )
        largest = (scenario.value * NINETY_FIVE / HUNDRED).quantize(Decimal(1))
        suggest_loan_amount(
            context,
            evaluation,
            rule.id,
            largest,
            "fits the 95% maximum LTV without the first-time buyer condition",
        )
        return
    check_ltv(context, evaluation, context.rule("conventional.max_ltv"), maximum, why)


def _check_loan_limit(
    context: ProgramContext, evaluation: ProgramEvaluation, limits: ConformingLimits, base_loan: Decimal
) -> None:
    scenario = context.scenario
    units = f"{scenario.units} unit{'s' if scenario.units != 1 else ''}"
    rule_id = limits.rule_id
    if limits.county_limit is None:
        if base_loan <= limits.baseline:
            evaluation.add(
                rule_id,
                PASS,
                f"Base loan {usd(base_loan)} is within the {usd(limits.baseline)} baseline conforming limit "
                f"for {units}, "
                "which applies in every county.",
                limits.source,
                limits.citation,
            )
        else:
            evaluation.add(
                rule_id,
                REFER,
                f"Base loan {usd(base_loan)} is above the {usd(limits.baseline)} baseline for {units}; the "
                "limit for "
                f"{limits.place} must be checked.",
                limits.source,
                limits.citation,
            )
        return
    limit = limits.county_limit
    if base_loan <= limits.baseline:
        evaluation.add(
            rule_id,
            PASS,
            f"Base loan {usd(base_loan)} is conforming: within the {usd(limits.baseline)} baseline limit "
            f"for {units} "
            f"({limits.place} limit {usd(limit)}).",
            limits.source,
            limits.citation,
        )
    elif base_loan <= limit:
        evaluation.add(
            rule_id,
            PASS,
            f"Base loan {usd(base_loan)} is a high-balance conforming loan: above the "
            f"{usd(limits.baseline)} baseline and "
            f"within the {usd(limit)} limit for {units} in {limits.place}.",
            limits.source,
            limits.citation,
        )
    else:
        evaluation.add(
            rule_id,
            FAIL,
            f"Base loan {usd(base_loan)} is {usd(base_loan - limit)} over the {usd(limit)} conforming limit "
            f"for {units} "
            f"in {limits.place}: that is a jumbo loan.",
            limits.source,
            limits.citation,
        )
        suggest_loan_amount(context, evaluation, rule_id, limit, f"stays conforming in {limits.place}")


def _check_mortgage_insurance(context, evaluation, rule, ltv, mi_rate, monthly) -> None:
    if ltv <= EIGHTY:
        evaluation.record(rule, PASS, f"LTV {pct(ltv)} is 80% or less: no mortgage insurance needed.")
        return
    if mi_rate is None:
        evaluation.record(
            rule,
            REFER,
            f"LTV {pct(ltv)} is above 80%, so private mortgage insurance is required; no rate-card estimate "
            "exists "
            "for scores below 620, so the insurer must quote it.",
        )
        return
    band = _pmi_band(rule.params, ltv)
    evaluation.record(
        rule,
        PASS,
        f"LTV {pct(ltv)} is above 80%: private mortgage insurance estimated at {mi_rate}% a year, "
        f"{usd(monthly)} a "
        f"month ({band['coverage']}% coverage). This is an estimate from MGIC's 2018 rate card; the insurer "
        "quotes "
        "the real premium.",
    )


def _pmi_band(params: dict, ltv: Decimal) -> dict | None:
    for band in params["ltv_bands"]:
        if band["above"] < ltv <= band["up_to"]:
            return band
    return None


def _pmi_rate(params: dict, ltv: Decimal, score: int | None) -> Decimal | None:
    """Annual PMI in percent: 0 up to 80% LTV; None when the card has no rate (score < 620, LTV > 97%)."""
    if ltv <= EIGHTY:
        return ZERO
    band = _pmi_band(params, ltv)
    if band is None or score is None:
        return None
    for minimum_score, rate in zip(params["score_bands"], band["annual_rates"], strict=True):
        if score >= minimum_score:
            return rate
    return None


def _ltv_candidates(scenario, grid_rule, high_ltv_rule, limits, caps=()) -> tuple[Decimal, ...]:
    """LTVs a minimum-down-payment price search tries: each loan tier's maximum (conforming, high-balance) and
    80%, where no mortgage insurance is needed (the only option when no MI estimate exists for the score)."""
    candidates = []
    for base_loan in (limits.baseline, limits.baseline + 1):
        maximum, _why = _max_ltv(
            scenario, grid_rule, high_ltv_rule, limits, base_loan, scenario.first_time_buyer, caps
        )
        if maximum is not None:
            candidates.append(maximum)
    if candidates:
        candidates.append(min(EIGHTY, max(candidates)))
    return tuple(candidates)


def _check_foreclosure_restrictions(
    context: ProgramContext, evaluation: ProgramEvaluation, ltv_caps: list[tuple[Decimal, str]]
) -> None:
    """B3-5.3-07: 3 to 7 years after a foreclosure (extenuating circumstances), only a principal residence
    purchase or a limited cash-out refinance, at most 90% LTV ("Additional requirements after 3 years up to 7
    years: 90% maximum LTV ... The purchase of a principal residence is permitted. Limited cash-out
    refinances are permitted for all occupancy types.")."""
    scenario = context.scenario
    rule = context.rule("conventional.waiting_periods")
    if rule is None or not scenario.derogatory_events or scenario.as_of is None:
        return
    limits = rule.params.get("foreclosure_with_extenuating_circumstances")
    period = rule.params["events"]["foreclosure"]
    if limits is None:
        return
    recent = [
        event
        for event in scenario.derogatory_events
        if event.type == "foreclosure"
        and event.extenuating_circumstances is not False
        and within_exception_window(event.date, period, scenario.as_of)
    ]
    if not recent:
        return
    event = recent[-1]
    check_id = "conventional.waiting_periods.foreclosure_restrictions"
    what = f"Between 3 and 7 years after the foreclosure dated {event.date}"
    ltv_caps.append((Decimal(limits["max_ltv"]), "a foreclosure 3 to 7 years ago"))
    if scenario.purpose is None or scenario.occupancy is None:
        return
    if scenario.purpose not in limits["purposes"]:
        evaluation.record(
            rule,
            FAIL,
            f"{what}, Fannie Mae allows only a principal residence purchase or a limited cash-out "
            f"refinance; this is a {PURPOSE_LABELS[scenario.purpose]}.",
            check_id,
        )
        evaluation.suggest(
            check_id,
            "as_of",
            add_months(event.date, period["standard_months"]).isoformat(),
            f"A cash-out refinance becomes possible on {add_months(event.date, period['standard_months'])}, "
            "7 years after the foreclosure.",
        )
    elif scenario.purpose == "purchase" and scenario.occupancy not in limits["purchase_occupancies"]:
        evaluation.record(
            rule,
            FAIL,
            f"{what}, Fannie Mae allows a purchase only of a principal residence; this is "
            f"{scenario.occupancy.replace('_', ' ')}.",
            check_id,
        )
    else:
        evaluation.record(
            rule,
            PASS,
            f"{what}, a {PURPOSE_LABELS[scenario.purpose]} of this occupancy is allowed, at most "
            f"{limits['max_ltv']}% LTV.",
            check_id,
        )


def _check_manufactured_home(
    context: ProgramContext, evaluation: ProgramEvaluation, ltv_caps: list[tuple[Decimal, str]]
) -> None:
    """B5-2-02: "principal residences (single- and multi-width), and second home dwellings (multi-width
    only)"; "ineligible ...: investment properties"; Eligibility Matrix: cash-out at most 65% LTV."""
    scenario = context.scenario
    if scenario.property_type != "manufactured":
        return
    rule = context.rule("conventional.manufactured_housing")
    if rule is None:
        evaluation.no_rule("conventional.manufactured_housing", scenario.as_of, "manufactured housing")
        return
    params = rule.params
    if scenario.purpose == "cash_out_refinance":
        ltv_caps.append((Decimal(params["cash_out_max_ltv"]), "a manufactured home cash-out refinance"))
    if scenario.occupancy is None:
        return
    if scenario.occupancy in params["ineligible_occupancies"]:
        evaluation.record(
            rule, FAIL, "Fannie Mae does not buy loans on manufactured homes held as investment properties."
        )
        return
    if scenario.occupancy == "second_home":
        width = scenario.manufactured_home_width
        if width is None:
            evaluation.record(
                rule,
                REFER,
                "A manufactured second home must be multi-width; manufactured_home_width is not given.",
            )
        elif width not in params["second_home_widths"]:
            evaluation.record(
                rule, FAIL, "A single-width manufactured home can be financed only as a principal residence."
            )
        else:
            evaluation.record(rule, PASS, "A multi-width manufactured home may be a second home.")
        return
    evaluation.record(
        rule, PASS, "A manufactured home may be a principal residence (single- or multi-width)."
    )
