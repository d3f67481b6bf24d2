"""USDA Single Family Housing Guaranteed loans: rural primary homes, income floor, 1% + 0.35% fees, 29/41."""

from __future__ import annotations

from decimal import Decimal

from .checks import FAIL, PASS, REFER, ProgramEvaluation
from .common import (
    CORE_FIELDS,
    ProgramContext,
    apply_agency_overlays,
    check_allowed_occupancy,
    check_ltv,
    check_min_credit_score,
    check_ratio,
    check_term,
    check_waiting_periods,
    fill_figures,
    lowest_cap,
    require_inputs,
    scenario_structure,
    solve_max_price,
    suggest_lower_debts,
    suggest_max_price,
)
from .finance import LoanTerms
from .money import TWELVE, pct, usd

PROPERTY_TYPE_LABELS = {
    "single_family": "single-family home",
    "condo": "condominium",
    "townhouse": "townhouse",
    "manufactured": "manufactured home",
    "multi_family": "multi-family property",
}

REQUIRED_FIELDS = CORE_FIELDS + ("household_size",)


def evaluate(context: ProgramContext) -> ProgramEvaluation:
    scenario = context.scenario
    evaluation = ProgramEvaluation("usda")
    require_inputs(evaluation, scenario, REQUIRED_FIELDS)
    if scenario.as_of is None:
        return evaluation

    check_allowed_occupancy(context, evaluation, "usda.occupancy")
    _check_property(context, evaluation)
    _check_purpose(context, evaluation)
    _check_rural_area(context, evaluation)
    _check_income_limit(context, evaluation)
    score_rule = context.rule("usda.min_credit_score")
    if score_rule is None:
        evaluation.no_rule("usda.min_credit_score", scenario.as_of, "the USDA credit score threshold")
    elif scenario.credit_score is not None:
        check_min_credit_score(
            context,
            evaluation,
            score_rule,
            score_rule.params["minimum"],
            REFER,
            "Below 640 GUS usually can't accept the file, so it is manually underwritten: a person must "
            "look.",
        )
    check_term(context, evaluation)
    check_waiting_periods(context, evaluation)
    blocked = evaluation.has_failure()

    ltv_rule = context.rule("usda.max_ltv")
    fee_rule = context.rule("usda.guarantee_fee")
    dti_rule = context.rule("usda.dti")
    missing = False
    for rule_id, rule in (
        ("usda.max_ltv", ltv_rule),
        ("usda.guarantee_fee", fee_rule),
        ("usda.dti", dti_rule),
    ):
        if rule is None:
            evaluation.no_rule(rule_id, scenario.as_of, rule_id.split(".", 1)[1].replace("_", " "))
            missing = True
    if missing:
        fill_figures(context, evaluation, None, None)
        return evaluation

    agency_max_ltv = Decimal(ltv_rule.params["max_ltv"])
    max_ltv = lowest_cap([agency_max_ltv, context.overlay_setting("max_ltv", lowest=True)])
    upfront_rate = Decimal(fee_rule.params["upfront_rate"])
    annual_rate = Decimal(fee_rule.params["annual_rate"])
    terms = LoanTerms(
        max_ltv_for_loan=lambda _base_loan: max_ltv,
        upfront_rate_for_down_percent=lambda _down: upfront_rate,
        annual_mi_rate_for=lambda _ltv, _base_loan: annual_rate,
        mi_on_total_loan=True,
        max_dti_front=lowest_cap(
            [Decimal(dti_rule.params["max_dti_front"]), context.overlay_setting("max_dti_front", lowest=True)]
        ),
        max_dti_back=lowest_cap(
            [Decimal(dti_rule.params["max_dti_back"]), context.overlay_setting("max_dti_back", lowest=True)]
        ),
    )

    if scenario.value is not None and scenario.base_loan is not None:
        check_ltv(context, evaluation, ltv_rule, agency_max_ltv, "a USDA guaranteed loan")

    loan = scenario_structure(context, terms)
    if loan is not None:
        evaluation.record(
            fee_rule,
            PASS,
            f"USDA guarantee fee: {pct(upfront_rate)} upfront ({usd(loan.upfront_fee)}, financed: total loan "
            f"{usd(loan.total_loan)}) and {pct(annual_rate)} a year ({usd(loan.mortgage_insurance)} a "
            "month).",
        )
        if loan.dti_front is not None:
            gus = "needs a GUS Accept or a documented ratio waiver"
            if "waiver_max_dti_front" in dti_rule.params:
                gus = (
                    "needs a GUS Accept, or a ratio waiver (PITI up to "
                    f"{dti_rule.params['waiver_max_dti_front']}%, every applicant's credit score "
                    f"{dti_rule.params['waiver_min_credit_score']} or higher, and a compensating factor)"
                )
            check_ratio(
                context,
                evaluation,
                dti_rule,
                "usda.dti.front",
                "Housing (front-end) ratio",
                loan.dti_front,
                Decimal(dti_rule.params["max_dti_front"]),
                None,
                gus,
                refer_without_limit=True,
            )
            back = check_ratio(
                context,
                evaluation,
                dti_rule,
                "usda.dti.back",
                "Total debt (back-end) ratio",
                loan.dti_back,
                Decimal(dti_rule.params["max_dti_back"]),
                None,
                gus,
                refer_without_limit=True,
            )
            if back != PASS:
                suggest_lower_debts(
                    context, evaluation, "usda.dti.back", loan, Decimal(dti_rule.params["max_dti_back"])
                )
    apply_agency_overlays(context, evaluation, loan)

    fill_figures(context, evaluation, loan, None)
    if not blocked and scenario.purpose == "purchase":
        evaluation.figures.max_purchase_price = solve_max_price(context, terms, (max_ltv,))
        suggest_max_price(context, evaluation, terms, loan)
    return evaluation


def _check_property(context: ProgramContext, evaluation: ProgramEvaluation) -> None:
    scenario = context.scenario
    rule = context.rule("usda.property")
    if rule is None:
        evaluation.no_rule("usda.property", scenario.as_of, "USDA property eligibility")
        return
    if scenario.units is None or scenario.property_type is None:
        return
    if (
        scenario.units > rule.params["max_units"]
        or scenario.property_type in rule.params["ineligible_property_types"]
    ):
        evaluation.record(
            rule, FAIL, f"USDA finances single-family homes only; this is a {scenario.units}-unit property."
        )
    else:
        evaluation.record(
            rule,
            PASS,
            f"A 1-unit {PROPERTY_TYPE_LABELS[scenario.property_type]} is an eligible USDA property.",
        )


def _check_purpose(context: ProgramContext, evaluation: ProgramEvaluation) -> None:
    scenario = context.scenario
    rule = context.rule("usda.purpose")
    if rule is None or scenario.purpose is None:
        return
    if scenario.purpose in rule.params["assessed"]:
        return
    if scenario.purpose == "cash_out_refinance":
        evaluation.record(rule, FAIL, "USDA guaranteed loans do not allow cash-out refinancing.")
    else:
        evaluation.record(
            rule,
            REFER,
            "A USDA refinance needs an existing USDA loan the scenario can't show; a person must check it.",
        )


def _check_rural_area(context: ProgramContext, evaluation: ProgramEvaluation) -> None:
    scenario = context.scenario
    rule = context.rule("usda.rural_area")
    if rule is None:
        evaluation.no_rule("usda.rural_area", scenario.as_of, "USDA rural eligibility")
        return
    if scenario.usda_rural_eligible is True:
        evaluation.record(rule, PASS, "The property is in a USDA-eligible rural area.")
    elif scenario.usda_rural_eligible is False:
        evaluation.record(rule, FAIL, "The property is not in a USDA-eligible rural area.")
    else:
        problems = scenario.problems_for(("usda_rural_eligible",))
        detail = problems[0].message if problems else "usda_rural_eligible is missing"
        evaluation.record(
            rule,
            REFER,
            f"USDA needs a property in an eligible rural area; {detail}. Check the address on the USDA "
            "eligibility map.",
        )


def _check_income_limit(context: ProgramContext, evaluation: ProgramEvaluation) -> None:
    scenario = context.scenario
    rule = context.rule("usda.income_limit")
    if rule is None:
        evaluation.no_rule("usda.income_limit", scenario.as_of, "USDA income limits")
        return
    if scenario.household_size is None or scenario.monthly_income is None:
        return
    annual_income = scenario.monthly_income * TWELVE
    limit = None
    for band in rule.params["standard_limits"]:
        if scenario.household_size <= band["max_household"]:
            limit = Decimal(band["annual_income"])
            break
    household = f"a household of {scenario.household_size}"
    if limit is not None and annual_income <= limit:
        evaluation.record(
            rule,
            PASS,
            f"Borrower income {usd(annual_income)} a year is within USDA's standard limit of {usd(limit)} "
            f"for {household} "
            "(most counties are higher; all adult household members' income counts).",
        )
    else:
        above = f"above USDA's standard limit of {usd(limit)}" if limit else "beyond the standard table"
        evaluation.record(
            rule,
            REFER,
            f"Borrower income {usd(annual_income)} a year is {above} for {household}; the county limit (up "
            "to 115% of "
            "area median) may be higher: a person must check it.",
        )
