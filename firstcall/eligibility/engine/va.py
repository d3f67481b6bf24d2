"""VA guaranteed loans: eligibility, occupancy, entitlement, funding fee, 41% DTI and residual income."""

from __future__ import annotations

from decimal import Decimal

from .checks import FAIL, PASS, REFER, ProgramEvaluation
from .common import (
    CORE_FIELDS,
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
from .limits import conforming_limits
from .money import HUNDRED, ZERO, pct, usd

VETERAN_FIELDS = ("veteran", "veteran.first_use", "veteran.funding_fee_exempt")
REQUIRED_FIELDS = CORE_FIELDS + VETERAN_FIELDS + ("household_size", "state")


def evaluate(context: ProgramContext) -> ProgramEvaluation:
    scenario = context.scenario
    evaluation = ProgramEvaluation("va")
    veteran = scenario.veteran
    required = REQUIRED_FIELDS
    if veteran is not None and veteran.first_use is False:
        # A later use may have only partial entitlement, which the county limit caps.
        required += ("county_fips", "zip")
    require_inputs(evaluation, scenario, required)
    if scenario.as_of is None:
        return evaluation

    eligibility_rule = context.rule("va.eligibility")
    if eligibility_rule is not None and veteran is not None:
        if veteran.eligible:
            evaluation.record(
                eligibility_rule, PASS, "The borrower is an eligible veteran or service member."
            )
        else:
            evaluation.record(
                eligibility_rule, FAIL, "The borrower is not an eligible veteran or service member."
            )
    check_allowed_occupancy(context, evaluation, "va.occupancy")
    check_term(context, evaluation)
    check_waiting_periods(context, evaluation)
    if scenario.purpose == "rate_term_refinance":
        evaluation.add(
            "va.purpose",
            REFER,
            "A VA rate/term refinance is an IRRRL, which needs an existing VA loan the scenario can't show; "
            "a person must check it (funding fee 0.50%).",
            "https://theveteransmortgage.com/va-tools/",
        )
    blocked = evaluation.has_failure()

    ltv_rule = context.rule("va.max_ltv")
    fee_rule = context.rule("va.funding_fee")
    dti_rule = context.rule("va.dti")
    residual_rule = context.rule("va.residual_income")
    limit_rule = context.rule("va.loan_limit")
    missing = False
    for rule_id, rule in (
        ("va.max_ltv", ltv_rule),
        ("va.funding_fee", fee_rule),
        ("va.dti", dti_rule),
        ("va.residual_income", residual_rule),
        ("va.loan_limit", limit_rule),
    ):
        if rule is None:
            evaluation.no_rule(rule_id, scenario.as_of, rule_id.split(".", 1)[1].replace("_", " "))
            missing = True
    if missing or veteran is None or not veteran.eligible or scenario.purpose is None:
        fill_figures(context, evaluation, None, None)
        return evaluation

    limits = conforming_limits(context) if veteran.first_use is False else None
    loan_limit = limits.county_limit if limits is not None else None
    if limits is not None:
        evaluation.limit_table = limits.table
    max_ltv_value = ltv_rule.params["by_purpose"].get(scenario.purpose)
    agency_max_ltv = None if max_ltv_value is None else Decimal(max_ltv_value)
    max_ltv = (
        lowest_cap([agency_max_ltv, context.overlay_setting("max_ltv", lowest=True)])
        if agency_max_ltv
        else None
    )
    exempt = veteran.funding_fee_exempt is True

    def funding_fee_rate(down_percent: Decimal) -> Decimal:
        rate, _why = _funding_fee(fee_rule.params, scenario.purpose, veteran.first_use, exempt, down_percent)
        return rate if rate is not None else ZERO

    region = _region(residual_rule.params, scenario.state)
    household = scenario.household_size

    def residual_required(base_loan: Decimal) -> Decimal | None:
        if region is None or household is None:
            return None
        return _residual_income_required(residual_rule.params, region, household, base_loan)

    terms = LoanTerms(
        max_ltv_for_loan=lambda _base_loan: max_ltv,
        loan_limit=loan_limit
        if loan_limit is not None
        else (limits.baseline if limits is not None else None),
        upfront_rate_for_down_percent=funding_fee_rate,
        max_dti_back=lowest_cap(
            [Decimal(dti_rule.params["max_dti_back"]), context.overlay_setting("max_dti_back", lowest=True)]
        ),
        max_dti_front=context.overlay_setting("max_dti_front", lowest=True),
        residual_income_required_for=residual_required,
    )

    if scenario.value is not None and scenario.base_loan is not None and agency_max_ltv is not None:
        check_ltv(context, evaluation, ltv_rule, agency_max_ltv, f"a VA {PURPOSE_LABELS[scenario.purpose]}")
        _check_loan_limit(context, evaluation, limit_rule, limits, scenario.base_loan)

    loan = scenario_structure(context, terms)
    if loan is not None:
        rate, why = _funding_fee(
            fee_rule.params, scenario.purpose, veteran.first_use, exempt, loan.down_percent
        )
        if rate is None:
            evaluation.record(fee_rule, REFER, why)
        else:
            evaluation.record(
                fee_rule,
                PASS,
                f"VA funding fee {why}: {usd(loan.upfront_fee)} on the {usd(loan.base_loan)} base loan, "
                "financed: total "
                f"loan {usd(loan.total_loan)}.",
            )
        if loan.dti_back is not None:
            _check_dti_and_residual(context, evaluation, dti_rule, residual_rule, loan, region, household)
    apply_agency_overlays(context, evaluation, loan)

    fill_figures(context, evaluation, loan, loan_limit)
    if not blocked and max_ltv is not None:
        evaluation.figures.max_purchase_price = solve_max_price(context, terms, (max_ltv,))
        suggest_max_price(context, evaluation, terms, loan)
    return evaluation


def _funding_fee(params: dict, purpose: str, first_use: bool | None, exempt: bool, down_percent: Decimal):
    """(rate in percent or None, explanation). Tiers are inclusive at their lower bound: 5% down is 1.50%."""
    if exempt:
        return Decimal(
            0
        ), "waived: the veteran is exempt (e.g. receives service-connected disability compensation)"
    if first_use is None:
        return (
            None,
            "depends on whether this is the first use of the VA benefit; veteran.first_use is missing",
        )
    use = "first_use" if first_use else "subsequent_use"
    use_text = "first use" if first_use else "subsequent use"
    if purpose == "purchase":
        chosen = None
        for tier in params["purchase"][use]:
            if down_percent >= tier["min_down"]:
                chosen = tier
        return Decimal(chosen["rate"]), f"{chosen['rate']}% ({use_text}, {pct(down_percent)} down)"
    if purpose == "cash_out_refinance":
        rate = params["cash_out_refinance"][use]
        return Decimal(rate), f"{rate}% ({use_text}, cash-out refinance)"
    return Decimal(params["irrrl"]), f"{params['irrrl']}% (IRRRL)"


def _check_loan_limit(context, evaluation, rule, limits, base_loan: Decimal) -> None:
    veteran = context.scenario.veteran
    if veteran.first_use:
        evaluation.record(
            rule,
            PASS,
            "First use of the VA benefit means full entitlement: no VA loan limit applies (loans closed "
            "from 2020-01-01).",
        )
        return
    if limits is None:
        return
    limit = limits.county_limit
    if limit is not None and base_loan <= limit:
        evaluation.record(
            rule,
            PASS,
            f"Base loan {usd(base_loan)} is within the {usd(limit)} county limit for {limits.place}, which "
            "caps a "
            "partial entitlement; with full entitlement no limit applies.",
        )
        return
    cap = limit if limit is not None else limits.baseline
    evaluation.record(
        rule,
        REFER,
        f"Base loan {usd(base_loan)} is above {usd(cap)} ({limits.place}); if part of the entitlement is "
        "still in use "
        "that caps the no-down-payment amount, so a person must check the Certificate of Eligibility.",
    )
    suggest_loan_amount(
        context, evaluation, rule.id, cap, "is within the county limit even with partial entitlement"
    )


def _region(params: dict, state: str | None) -> str | None:
    for region, states in params["regions"].items():
        if state in states:
            return region
    return None


def _residual_income_required(params: dict, region: str, household: int, base_loan: Decimal) -> Decimal:
    """38 CFR 36.4340(e): by region, household size and loan size; each member above five adds $75/$80."""
    at_or_above = base_loan >= params["loan_breakpoint"]
    table = params["at_or_above_breakpoint" if at_or_above else "below_breakpoint"][region]
    extra = params["additional_member"]["at_or_above_breakpoint" if at_or_above else "below_breakpoint"]
    if household <= len(table):
        return Decimal(table[household - 1])
    return Decimal(table[-1] + extra * (household - len(table)))


def _check_dti_and_residual(context, evaluation, dti_rule, residual_rule, loan, region, household) -> None:
    scenario = context.scenario
    required = None
    if region is None:
        evaluation.record(
            residual_rule,
            REFER,
            f"No VA residual income region for state {scenario.state}; a person must check residual income.",
        )
    elif household is not None:
        required = _residual_income_required(residual_rule.params, region, household, loan.base_loan)
        residual = loan.residual_income
        size = "at or above" if loan.base_loan >= residual_rule.params["loan_breakpoint"] else "below"
        family = f"a household of {household} in the {region.title()} region, loan {size} $80,000"
        if residual < required:
            evaluation.record(
                residual_rule,
                FAIL,
                f"Estimated residual income {usd(residual)} a month is below VA's {usd(required)} for "
                f"{family}. "
                "(Estimated from gross income; VA's figure after taxes and utilities can only be lower.)",
            )
        else:
            evaluation.record(
                residual_rule,
                PASS,
                f"Estimated residual income {usd(residual)} a month meets VA's {usd(required)} for {family}. "
                "This is an estimate from gross income; the lender confirms it after taxes, maintenance and "
                "utilities.",
            )
    cap = Decimal(dti_rule.params["max_dti_back"])
    margin = Decimal(dti_rule.params["residual_income_margin_above_max_dti"])
    reason = (
        f"VA then needs residual income at least {margin}% above the guideline"
        + (f" ({usd(required * (HUNDRED + margin) / HUNDRED)})" if required is not None else "")
        + " or an underwriter's justification"
    )
    outcome = check_ratio(
        context,
        evaluation,
        dti_rule,
        dti_rule.id,
        "Back-end DTI",
        loan.dti_back,
        cap,
        None,
        reason,
        refer_without_limit=True,
    )
    if outcome != PASS:
        suggest_lower_debts(context, evaluation, dti_rule.id, loan, cap)
