"""FHA (HUD Handbook 4000.1): credit tiers, LTV, derived county limits, UFMIP and annual MIP, 31/43 ratios."""

from __future__ import annotations

from decimal import Decimal

from .checks import FAIL, PASS, REFER, ProgramEvaluation
from .common import (
    CORE_FIELDS,
    LOCATION_FIELDS,
    PURPOSE_LABELS,
    ProgramContext,
    apply_agency_overlays,
    check_allowed_occupancy,
    check_ltv,
    check_ratio,
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
)
from .finance import LoanTerms
from .limits import FhaLimit, conforming_limits, fha_limit
from .money import HUNDRED, pct, usd

REQUIRED_FIELDS = CORE_FIELDS + LOCATION_FIELDS


def evaluate(context: ProgramContext) -> ProgramEvaluation:
    scenario = context.scenario
    evaluation = ProgramEvaluation("fha")
    require_inputs(evaluation, scenario, REQUIRED_FIELDS)
    if scenario.as_of is None:
        return evaluation

    check_allowed_occupancy(context, evaluation, "fha.occupancy")
    check_term(context, evaluation)
    tier_rule = context.rule("fha.credit_score_tiers")
    tier_cap: Decimal | None = None
    tier_text = ""
    if tier_rule is None:
        evaluation.no_rule("fha.credit_score_tiers", scenario.as_of, "FHA credit score tiers")
    elif scenario.credit_score is not None:
        tier_cap, tier_text = _check_credit_tier(context, evaluation, tier_rule)
    check_waiting_periods(context, evaluation)
    blocked = evaluation.has_failure()

    ltv_rule = context.rule("fha.max_ltv")
    upfront_rule = context.rule("fha.upfront_mip")
    annual_rule = context.rule("fha.annual_mip")
    dti_rule = context.rule("fha.dti")
    conforming = conforming_limits(context)
    limit = fha_limit(context, conforming)
    if limit is not None:
        evaluation.limit_table = limit.table
    missing = False
    for rule_id, rule in (
        ("fha.max_ltv", ltv_rule),
        ("fha.upfront_mip", upfront_rule),
        ("fha.annual_mip", annual_rule),
        ("fha.dti", dti_rule),
        ("fha.loan_limits", context.rule("fha.loan_limits")),
    ):
        if rule is None:
            evaluation.no_rule(rule_id, scenario.as_of, rule_id.split(".", 1)[1].replace("_", " "))
            missing = True
    if (
        missing
        or limit is None
        or scenario.purpose is None
        or tier_rule is None
        or scenario.credit_score is None
    ):
        fill_figures(context, evaluation, None, limit.definite_limit if limit else None)
        return evaluation

    purpose_cap = Decimal(ltv_rule.params["by_purpose"][scenario.purpose])
    agency_max_ltv = (
        lowest_cap([purpose_cap, tier_cap]) if scenario.credit_score >= tier_rule.params["minimum"] else None
    )
    overlay_max_ltv = context.overlay_setting("max_ltv", lowest=True)
    max_ltv = lowest_cap([agency_max_ltv, overlay_max_ltv]) if agency_max_ltv is not None else None
    upfront_rate = Decimal(upfront_rule.params["rate"])
    term = scenario.term_months

    def annual_mip_rate(ltv: Decimal, base_loan: Decimal) -> Decimal | None:
        row = _annual_mip_row(annual_rule.params, ltv, base_loan, term)
        return None if row is None else Decimal(row["bps"]) / HUNDRED

    terms = LoanTerms(
        max_ltv_for_loan=lambda _base_loan: max_ltv,
        loan_limit=limit.definite_limit,
        upfront_rate_for_down_percent=lambda _down: upfront_rate,
        annual_mi_rate_for=annual_mip_rate,
        max_dti_front=lowest_cap(
            [Decimal(dti_rule.params["max_dti_front"]), context.overlay_setting("max_dti_front", lowest=True)]
        ),
        max_dti_back=lowest_cap(
            [Decimal(dti_rule.params["max_dti_back"]), context.overlay_setting("max_dti_back", lowest=True)]
        ),
    )

    if scenario.value is not None and scenario.base_loan is not None and agency_max_ltv is not None:
        why = f"an FHA {PURPOSE_LABELS[scenario.purpose]} with {tier_text}"
        within = check_ltv(context, evaluation, ltv_rule, agency_max_ltv, why)
        ltv = scenario.base_loan * HUNDRED / scenario.value
        if not within and tier_cap is not None and ltv <= purpose_cap:
            evaluation.suggest(
                ltv_rule.id,
                "credit_score",
                580,
                f"A credit score of 580 or higher allows FHA's {pct(purpose_cap)} maximum LTV, which fits "
                "this loan.",
            )

    if scenario.value is not None and scenario.base_loan is not None and scenario.units is not None:
        _check_loan_limit(context, evaluation, limit, scenario.base_loan)

    loan = scenario_structure(context, terms)
    if loan is not None:
        evaluation.record(
            upfront_rule,
            PASS,
            f"Upfront MIP {pct(upfront_rate)} of the {usd(loan.base_loan)} base loan is "
            f"{usd(loan.upfront_fee)}, "
            f"financed: total loan {usd(loan.total_loan)} (FHA limits apply to the base loan).",
        )
        row = _annual_mip_row(annual_rule.params, loan.ltv, loan.base_loan, term)
        if row is None:
            evaluation.record(
                annual_rule, REFER, f"No annual MIP rate matches LTV {pct(loan.ltv)}; a person must price it."
            )
        else:
            evaluation.record(
                annual_rule,
                PASS,
                f"Annual MIP {row['bps']} bps for a {term}-month term, base loan {usd(loan.base_loan)} and "
                "LTV "
                f"{pct(loan.ltv)}: {usd(loan.mortgage_insurance)} a month, for {row['duration']}.",
            )
        if loan.dti_front is not None:
            aus = "needs a TOTAL Scorecard Accept or manual compensating factors"
            check_ratio(
                context,
                evaluation,
                dti_rule,
                "fha.dti.front",
                "Front-end DTI",
                loan.dti_front,
                Decimal(dti_rule.params["max_dti_front"]),
                Decimal(dti_rule.params["aus_max_dti_front"]),
                aus,
            )
            back = check_ratio(
                context,
                evaluation,
                dti_rule,
                "fha.dti.back",
                "Back-end DTI",
                loan.dti_back,
                Decimal(dti_rule.params["max_dti_back"]),
                Decimal(dti_rule.params["aus_max_dti_back"]),
                aus,
            )
            if back != PASS:
                suggest_lower_debts(
                    context, evaluation, "fha.dti.back", loan, Decimal(dti_rule.params["max_dti_back"])
                )
    apply_agency_overlays(context, evaluation, loan)

    fill_figures(context, evaluation, loan, limit.definite_limit)
    if not blocked and max_ltv is not None:
        evaluation.figures.max_purchase_price = solve_max_price(context, terms, (max_ltv,))
        suggest_max_price(context, evaluation, terms, loan)
    return evaluation


def _check_credit_tier(
    context: ProgramContext, evaluation: ProgramEvaluation, rule
) -> tuple[Decimal | None, str]:
    """The score's tier: (LTV cap or None for maximum financing, description). Fails below 500."""
    score = context.scenario.credit_score
    minimum = rule.params["minimum"]
    if score < minimum:
        evaluation.record(
            rule,
            FAIL,
            f"Credit score {score} is below FHA's minimum of {minimum} (Mortgagee Letter 2010-29).",
        )
        evaluation.suggest(
            rule.id,
            "credit_score",
            minimum,
            f"A credit score of {minimum} or higher (with 10% down) is the FHA minimum.",
        )
        return None, ""
    for tier in rule.params["tiers"]:
        if score >= tier["min_score"]:
            cap = None if tier["max_ltv"] is None else Decimal(tier["max_ltv"])
            if cap is None:
                evaluation.record(
                    rule,
                    PASS,
                    f"Credit score {score} is {tier['min_score']} or higher: FHA allows maximum financing.",
                )
                return None, f"a {tier['min_score']}+ credit score"
            evaluation.record(
                rule,
                PASS,
                f"Credit score {score} is in FHA's {tier['min_score']}-579 tier: eligible with at least "
                f"{pct(HUNDRED - cap)} down (maximum LTV {pct(cap)}).",
            )
            return cap, f"a credit score of {score} ({tier['min_score']}-579 tier)"
    return None, ""


def _check_loan_limit(
    context: ProgramContext, evaluation: ProgramEvaluation, limit: FhaLimit, base_loan: Decimal
) -> None:
    scenario = context.scenario
    units = f"{scenario.units} unit{'s' if scenario.units != 1 else ''}"
    rule_id = "fha.loan_limits"
    if base_loan <= limit.definite_limit:
        if limit.definite_limit == limit.floor:
            text = (
                f"within the national FHA floor of {usd(limit.floor)} for {units}, which applies everywhere"
            )
        else:
            text = f"within the FHA limit of {usd(limit.definite_limit)} for {units} ({limit.explanation})"
        evaluation.add(rule_id, PASS, f"Base loan {usd(base_loan)} is {text}.", limit.source, limit.citation)
        return
    if limit.fail_above is None or base_loan <= limit.fail_above:
        evaluation.add(
            rule_id,
            REFER,
            f"Base loan {usd(base_loan)} is above the {usd(limit.definite_limit)} FHA floor for {units}; "
            f"{limit.explanation}.",
            limit.source,
            limit.citation,
        )
        suggest_loan_amount(
            context, evaluation, rule_id, limit.definite_limit, "is within FHA limits in every county"
        )
        return
    evaluation.add(
        rule_id,
        FAIL,
        f"Base loan {usd(base_loan)} is {usd(base_loan - limit.fail_above)} over the FHA limit of "
        f"{usd(limit.fail_above)} for {units} ({limit.explanation}).",
        limit.source,
        limit.citation,
    )
    suggest_loan_amount(
        context,
        evaluation,
        rule_id,
        limit.definite_limit,
        f"is within the FHA limit of {usd(limit.definite_limit)}",
    )


def _annual_mip_row(params: dict, ltv: Decimal, base_loan: Decimal, term_months: int) -> dict | None:
    """Mortgagee Letter 2023-05 annual MIP row for term, base loan and LTV."""
    table = params["short_term"] if term_months <= params["short_term_max_months"] else params["long_term"]
    size = "above" if base_loan > params["breakpoint"] else "at_or_below"
    for row in table:
        if row["loan"] != size:
            continue
        if row["ltv_above"] is not None and ltv <= row["ltv_above"]:
            continue
        if row["ltv_up_to"] is not None and ltv > row["ltv_up_to"]:
            continue
        return row
    return None
