"""Checks every program shares: inputs, occupancy, term, waiting periods, LTV, ratios, reserves, overlays,
figures and the maximum purchase price. Program modules decide *which* rule applies; these say *how*.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from .checks import FAIL, PASS, REFER, SCENARIO_CONTRACT_SOURCE, ProgramEvaluation
from .finance import (
    LoanStructure,
    LoanTerms,
    PriceInputs,
    fits,
    max_purchase_price,
    payment_factor,
    structure,
)
from .money import CENT, DOLLAR, HUNDRED, ZERO, money_json, pct, pct_against, usd
from .overlays import Overlay
from .rulebook import Rule, RuleBook
from .scenario import Scenario

PROGRAM_LABELS = {"conventional": "Conventional", "fha": "FHA", "va": "VA", "usda": "USDA", "jumbo": "Jumbo"}
OCCUPANCY_LABELS = {
    "primary": "a primary residence",
    "second_home": "a second home",
    "investment": "an investment property",
}
PURPOSE_LABELS = {
    "purchase": "purchase",
    "rate_term_refinance": "rate/term refinance",
    "cash_out_refinance": "cash-out refinance",
}
EVENT_LABELS = {
    "chapter_7_bankruptcy": "Chapter 7 bankruptcy",
    "chapter_13_bankruptcy": "Chapter 13 bankruptcy",
    "foreclosure": "foreclosure",
    "short_sale": "short sale",
    "deed_in_lieu": "deed-in-lieu",
}
BANKRUPTCIES = ("chapter_7_bankruptcy", "chapter_13_bankruptcy")

# Fields every program needs before its checks mean anything.
CORE_FIELDS = (
    "as_of",
    "purpose",
    "occupancy",
    "property_type",
    "units",
    "purchase_price",
    "property_value",
    "loan_amount",
    "down_payment",
    "credit_score",
    "monthly_income",
    "monthly_debts",
    "monthly_taxes",
    "monthly_insurance",
    "monthly_hoa",
    "interest_rate",
    "term_months",
    "derogatory_events",
)
LOCATION_FIELDS = ("county_fips", "zip", "state")
PAYMENT_FIELDS = ("interest_rate", "term_months", "monthly_taxes", "monthly_insurance", "monthly_hoa")
RATIO_FIELDS = ("monthly_income", "monthly_debts")


@dataclass(slots=True)
class ProgramContext:
    program: str
    scenario: Scenario
    book: RuleBook
    overlays: list[tuple[Overlay, dict[str, Decimal]]] = field(default_factory=list)
    in_force: dict[str, Rule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scenario.as_of is not None:
            self.in_force = self.book.rules_in_force(self.scenario.as_of)

    @property
    def label(self) -> str:
        return PROGRAM_LABELS[self.program]

    def rule(self, rule_id: str) -> Rule | None:
        return self.in_force.get(rule_id)

    def overlay_setting(self, setting: str, *, lowest: bool) -> Decimal | None:
        values = [settings[setting] for _overlay, settings in self.overlays if setting in settings]
        if not values:
            return None
        return min(values) if lowest else max(values)


def add_months(day: date, months: int) -> date:
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def years_text(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} months"


def lowest_cap(values: list[Decimal | None]) -> Decimal | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def require_inputs(evaluation: ProgramEvaluation, scenario: Scenario, fields: tuple[str, ...]) -> bool:
    """One refer check per missing/invalid/contradictory input among `fields`; True when all are usable."""
    problems = scenario.problems_for(fields)
    for problem in problems:
        evaluation.add(problem.rule, REFER, problem.message, SCENARIO_CONTRACT_SOURCE)
    if not scenario.hoa_given:  # the one default the engine applies, so it says so rather than guess silently
        evaluation.add(
            "input.assumed.monthly_hoa",
            PASS,
            "monthly_hoa was not given, so HOA dues are counted as $0; give it if the property has dues.",
            SCENARIO_CONTRACT_SOURCE,
        )
    return not problems


def check_allowed_occupancy(context: ProgramContext, evaluation: ProgramEvaluation, rule_id: str) -> None:
    scenario = context.scenario
    if scenario.occupancy is None:
        return
    rule = context.rule(rule_id)
    if rule is None:
        evaluation.no_rule(rule_id, scenario.as_of, f"{context.label} occupancy")
        return
    allowed = rule.params["allowed"]
    occupancy = OCCUPANCY_LABELS[scenario.occupancy]
    if scenario.occupancy in allowed:
        evaluation.record(rule, PASS, f"{context.label} allows {occupancy}.")
    else:
        allowed_text = " or ".join(OCCUPANCY_LABELS[name] for name in allowed)
        evaluation.record(rule, FAIL, f"{context.label} finances only {allowed_text}; this is {occupancy}.")


def check_term(context: ProgramContext, evaluation: ProgramEvaluation) -> None:
    scenario = context.scenario
    rule_id = f"{context.program}.max_term"
    if scenario.term_months is None:
        return
    rule = context.rule(rule_id)
    if rule is None:
        evaluation.no_rule(rule_id, scenario.as_of, f"{context.label} maximum term")
        return
    maximum = rule.params["max_term_months"]
    if scenario.term_months <= maximum:
        evaluation.record(
            rule, PASS, f"Term of {scenario.term_months} months is within the {maximum}-month maximum."
        )
    else:
        evaluation.record(
            rule, FAIL, f"Term of {scenario.term_months} months is longer than the {maximum}-month maximum."
        )
        evaluation.suggest(
            rule_id, "term_months", maximum, f"A term of {maximum} months ({maximum // 12} years) or less."
        )


def check_waiting_periods(context: ProgramContext, evaluation: ProgramEvaluation) -> None:
    """Each event against the program's waiting period.

    A period is `standard_months`, and optionally a shorter `extenuating_months` that an `exception` opens:
    "extenuating_circumstances" (documented by the lender, given per event as `extenuating_circumstances`) or
    "court_approval" (Chapter 13 plans). Inside the exception window the outcome is `with_exception`: "pass"
    where the guide simply shortens the wait (Fannie Mae B3-5.3-07), "refer" where the agency leaves it to
    the underwriter (HUD 4000.1 "may be acceptable"; VA Pamphlet 26-7 ch. 4).
    """
    scenario = context.scenario
    rule_id = f"{context.program}.waiting_periods"
    if not scenario.has_all(("derogatory_events",)):
        return
    rule = context.rule(rule_id)
    if rule is None:
        evaluation.no_rule(rule_id, scenario.as_of, f"{context.label} waiting periods")
        return
    if not scenario.derogatory_events:
        evaluation.record(rule, PASS, "No bankruptcy, foreclosure, short sale or deed-in-lieu reported.")
        return
    as_of = scenario.as_of
    periods = rule.params["events"]
    for event in scenario.derogatory_events:
        period = periods[event.type]
        _judge_wait(
            evaluation,
            rule,
            f"{rule_id}.{event.type}",
            f"{EVENT_LABELS[event.type]} dated {event.date}",
            event.date,
            period,
            event.extenuating_circumstances,
            f"derogatory_events[{event.index}].extenuating_circumstances",
            as_of,
            context.label,
        )
    multiple = rule.params.get("multiple_bankruptcies")
    bankruptcies = sorted(
        (event for event in scenario.derogatory_events if event.type in BANKRUPTCIES), key=lambda e: e.date
    )
    if multiple and len(bankruptcies) > 1:
        latest = bankruptcies[-1]
        window_start = add_months(latest.date, -multiple["lookback_months"])
        if sum(1 for event in bankruptcies if event.date >= window_start) > 1:
            _judge_wait(
                evaluation,
                rule,
                f"{rule_id}.multiple_bankruptcies",
                f"more than one bankruptcy within {years_text(multiple['lookback_months'])} (latest "
                f"{latest.date})",
                latest.date,
                multiple,
                latest.extenuating_circumstances,
                f"derogatory_events[{latest.index}].extenuating_circumstances",
                as_of,
                context.label,
            )


def within_exception_window(start: date, period: dict, as_of: date) -> bool:
    """True when as_of is past the exception wait but before the standard one."""
    return (
        add_months(start, period["extenuating_months"])
        <= as_of
        < add_months(start, period["standard_months"])
    )


def _judge_wait(
    evaluation: ProgramEvaluation,
    rule: Rule,
    check_id: str,
    what: str,
    start: date,
    period: dict,
    extenuating: bool | None,
    extenuating_field: str,
    as_of: date,
    label: str,
) -> None:
    standard_months = period["standard_months"]
    extenuating_months = period["extenuating_months"]
    exception = period.get("exception")
    if exception is None and extenuating_months < standard_months:
        exception = "extenuating_circumstances"
    with_exception = period.get("with_exception", REFER)
    standard_end = add_months(start, standard_months)
    extenuating_end = add_months(start, extenuating_months)
    has_exception = exception is not None and extenuating_months < standard_months
    if as_of >= standard_end:
        evaluation.record(
            rule, PASS, f"{what}: the {years_text(standard_months)} wait ended on {standard_end}.", check_id
        )
        return
    sooner = "any time" if extenuating_months == 0 else f"from {extenuating_end}"
    if has_exception and as_of >= extenuating_end:
        if exception == "court_approval":
            evaluation.record(
                rule,
                REFER,
                f"{what}: the standard {years_text(standard_months)} wait ends on {standard_end}; "
                f"{label} allows it sooner only with court or trustee approval and on-time plan payments, "
                "which a person must review.",
                check_id,
            )
            return
        if extenuating is True:
            if with_exception == PASS:
                evaluation.record(
                    rule,
                    PASS,
                    f"{what}: with documented extenuating circumstances {label} waits "
                    f"{years_text(extenuating_months)}, which ended on {extenuating_end} (the standard "
                    f"{years_text(standard_months)} wait ends on {standard_end}).",
                    check_id,
                )
            else:
                evaluation.record(
                    rule,
                    REFER,
                    f"{what}: the standard {years_text(standard_months)} wait ends on {standard_end}; with the "
                    f"documented extenuating circumstances {label} may accept it {sooner}, which an "
                    "underwriter must decide.",
                    check_id,
                )
            return
        if extenuating is None:
            # Not documented is not documented: the standard wait applies until the lender says otherwise.
            evaluation.record(
                rule,
                FAIL,
                f"{what}: {label} needs a {years_text(standard_months)} wait, which ends on {standard_end}; "
                f"with documented extenuating circumstances ({extenuating_field}: true) {label} allows it "
                f"{sooner}.",
                check_id,
            )
            evaluation.suggest(
                check_id,
                "as_of",
                standard_end.isoformat(),
                f"{label} becomes possible on {standard_end}, when the standard waiting period after the {what} "
                "ends, or sooner with documented extenuating circumstances.",
            )
            return
    earliest = f"on {standard_end}"
    if has_exception and exception == "extenuating_circumstances" and extenuating is not False:
        if extenuating_months:
            earliest += f" ({extenuating_end} with documented extenuating circumstances)"
    why = "" if extenuating is not False else " (no extenuating circumstances documented)"
    evaluation.record(
        rule,
        FAIL,
        f"{what}: {label} needs a {years_text(standard_months)} wait{why}, which ends {earliest}.",
        check_id,
    )
    evaluation.suggest(
        check_id,
        "as_of",
        standard_end.isoformat(),
        f"{label} becomes possible {earliest}, when the waiting period after the {what} ends.",
    )


def check_min_credit_score(
    context: ProgramContext,
    evaluation: ProgramEvaluation,
    rule: Rule,
    minimum: int,
    below_outcome: str,
    explanation: str = "",
) -> bool:
    """True when the score meets the minimum."""
    score = context.scenario.credit_score
    if score is None:
        return False
    if score >= minimum:
        evaluation.record(rule, PASS, f"Credit score {score} meets the {context.label} minimum of {minimum}.")
        return True
    tail = f" {explanation}" if explanation else ""
    evaluation.record(
        rule, below_outcome, f"Credit score {score} is below the {context.label} minimum of {minimum}.{tail}"
    )
    evaluation.suggest(
        rule.id,
        "credit_score",
        minimum,
        f"A credit score of {minimum} or higher meets the {context.label} minimum.",
    )
    return False


def check_reserves(
    context: ProgramContext,
    evaluation: ProgramEvaluation,
    check_id: str,
    required_months: Decimal,
    source: str,
    who: str,
) -> None:
    scenario = context.scenario
    if required_months <= 0:
        return
    if scenario.reserves_months is None:
        problems = scenario.problems_for(("reserves_months",))
        detail = problems[0].message if problems else "reserves_months is missing"
        evaluation.add(
            check_id, REFER, f"{who} requires {required_months} months of reserves; {detail}.", source
        )
        return
    have = scenario.reserves_months
    if have >= required_months:
        evaluation.add(
            check_id,
            PASS,
            f"{have} months of reserves meets the {required_months}-month minimum ({who}).",
            source,
        )
    else:
        evaluation.add(
            check_id,
            FAIL,
            f"{have} months of reserves is below the {required_months}-month minimum ({who}).",
            source,
        )
        evaluation.suggest(
            check_id,
            "reserves_months",
            float(required_months),
            f"{required_months} months of reserves (housing payments in the bank after closing) meets {who}.",
        )


def check_ltv(
    context: ProgramContext,
    evaluation: ProgramEvaluation,
    rule: Rule,
    maximum: Decimal | None,
    why: str,
    check_id: str | None = None,
    fail_outcome: str = FAIL,
) -> bool:
    """The scenario's LTV against `maximum` (exact); suggests the down payment or loan amount that fits."""
    scenario = context.scenario
    check_id = check_id or rule.id
    if maximum is None:
        evaluation.record(rule, FAIL, f"{context.label} does not lend here: {why}.", check_id)
        return False
    value, base_loan = scenario.value, scenario.base_loan
    ltv = base_loan * HUNDRED / value
    shown = pct_against(ltv, maximum)
    where = f"base loan {usd(base_loan)} on a value of {usd(value)}"
    if ltv <= maximum:
        evaluation.record(
            rule, PASS, f"LTV {shown} ({where}) is within the {pct(maximum)} maximum for {why}.", check_id
        )
        return True
    largest_loan = (value * maximum / HUNDRED).quantize(DOLLAR, ROUND_DOWN)
    evaluation.record(
        rule,
        fail_outcome,
        f"LTV {shown} ({where}) is above the {pct(maximum)} maximum for {why}; "
        f"the most {context.label} lends on this value is {usd(largest_loan)}.",
        check_id,
    )
    suggest_loan_amount(
        context, evaluation, check_id, largest_loan, f"fits the {pct(maximum)} maximum LTV for {why}"
    )
    return False


def suggest_loan_amount(
    context: ProgramContext, evaluation: ProgramEvaluation, check_id: str, largest_loan: Decimal, reason: str
) -> None:
    scenario = context.scenario
    if scenario.purpose == "purchase" and scenario.purchase_price is not None:
        down = scenario.purchase_price - largest_loan
        share = pct(down * HUNDRED / scenario.purchase_price)
        evaluation.suggest(
            check_id,
            "down_payment",
            money_json(down),
            f"With {usd(down)} down ({share}), a loan of {usd(largest_loan)} {reason}.",
        )
    else:
        evaluation.suggest(
            check_id,
            "loan_amount",
            money_json(largest_loan),
            f"A loan amount of {usd(largest_loan)} or less {reason}.",
        )


def check_ratio(
    context: ProgramContext,
    evaluation: ProgramEvaluation,
    rule: Rule,
    check_id: str,
    name: str,
    value: Decimal,
    eligible_max: Decimal,
    refer_max: Decimal | None,
    refer_reason: str,
    *,
    refer_without_limit: bool = False,
) -> str:
    """A DTI ratio: pass up to eligible_max, refer up to refer_max (or without limit), fail above."""
    shown = pct_against(value, eligible_max)
    if value <= eligible_max:
        evaluation.record(
            rule, PASS, f"{name} {shown} is within {context.label}'s {pct(eligible_max)} limit.", check_id
        )
        return PASS
    if refer_without_limit or (refer_max is not None and value <= refer_max):
        ceiling = f" (up to {pct(refer_max)})" if refer_max is not None else ""
        evaluation.record(
            rule,
            REFER,
            f"{name} {shown} is above {context.label}'s {pct(eligible_max)} limit; {refer_reason}{ceiling}.",
            check_id,
        )
        return REFER
    ceiling = refer_max if refer_max is not None else eligible_max
    evaluation.record(
        rule, FAIL, f"{name} {shown} is above {context.label}'s {pct(ceiling)} maximum.", check_id
    )
    return FAIL


def suggest_lower_debts(
    context: ProgramContext, evaluation: ProgramEvaluation, check_id: str, loan: LoanStructure, cap: Decimal
) -> None:
    scenario = context.scenario
    if loan.dti_back is None or scenario.monthly_income is None or scenario.monthly_debts is None:
        return
    excess = ((loan.dti_back - cap) * scenario.monthly_income / HUNDRED).quantize(CENT, ROUND_CEILING)
    if ZERO < excess <= scenario.monthly_debts:
        remaining = scenario.monthly_debts - excess
        evaluation.suggest(
            check_id,
            "monthly_debts",
            money_json(remaining),
            f"Paying other monthly debts down by {usd(excess)} (to {usd(remaining)}) brings back-end DTI to "
            f"{pct(cap)}.",
        )


def suggest_max_price(
    context: ProgramContext, evaluation: ProgramEvaluation, terms: LoanTerms, loan: LoanStructure | None
) -> None:
    """When the price is what breaks a cap (LTV, loan limit, ratios, residual income), the solver's maximum
    price with the same cash down is the smallest change that fixes all of them at once."""
    price = evaluation.figures.max_purchase_price
    scenario = context.scenario
    down = scenario.down_payment_amount
    if loan is None or price is None or down is None or scenario.purchase_price is None:
        return
    if price >= scenario.purchase_price or fits(terms, loan):
        return
    evaluation.suggest(
        f"{context.program}.max_purchase_price",
        "purchase_price",
        money_json(price),
        f"A purchase price of {usd(price)} or less, with the same {usd(down)} down payment, fits every "
        f"{context.label} limit on LTV, loan amount and debt ratios.",
    )


def apply_agency_overlays(
    context: ProgramContext, evaluation: ProgramEvaluation, loan: LoanStructure | None
) -> None:
    """Each overlay setting becomes its own check, named for the overlay, beside the agency check."""
    scenario = context.scenario
    for overlay, settings in context.overlays:
        for setting, limit in settings.items():
            check_id = f"overlay.{context.program}.{setting}"
            prefix = f"{overlay.label}: {context.label}"
            if setting == "min_credit_score":
                if scenario.credit_score is None:
                    continue
                minimum = int(limit)
                if scenario.credit_score >= minimum:
                    evaluation.add(
                        check_id,
                        PASS,
                        f"{prefix} minimum credit score {minimum}; borrower has {scenario.credit_score}.",
                        overlay.source,
                    )
                else:
                    evaluation.add(
                        check_id,
                        FAIL,
                        f"{prefix} minimum credit score {minimum}; borrower has {scenario.credit_score}.",
                        overlay.source,
                    )
                    evaluation.suggest(
                        check_id,
                        "credit_score",
                        minimum,
                        f"A credit score of {minimum} or higher meets {overlay.label}.",
                    )
            elif setting == "min_reserves_months":
                check_reserves(context, evaluation, check_id, limit, overlay.source, overlay.label)
            elif loan is not None:
                _overlay_ratio(context, evaluation, overlay, check_id, prefix, setting, limit, loan)


def _overlay_ratio(
    context: ProgramContext,
    evaluation: ProgramEvaluation,
    overlay: Overlay,
    check_id: str,
    prefix: str,
    setting: str,
    limit: Decimal,
    loan: LoanStructure,
) -> None:
    names = {
        "max_ltv": ("LTV", loan.ltv),
        "max_dti_front": ("front-end DTI", loan.dti_front),
        "max_dti_back": ("back-end DTI", loan.dti_back),
    }
    name, value = names[setting]
    if value is None:
        return
    if value <= limit:
        evaluation.add(
            check_id,
            PASS,
            f"{prefix} maximum {name} {pct(limit)}; this loan is {pct_against(value, limit)}.",
            overlay.source,
        )
        return
    evaluation.add(
        check_id,
        FAIL,
        f"{prefix} maximum {name} {pct(limit)}; this loan is {pct_against(value, limit)}.",
        overlay.source,
    )
    if setting == "max_ltv":
        largest = (loan.value * limit / HUNDRED).quantize(DOLLAR, ROUND_DOWN)
        suggest_loan_amount(context, evaluation, check_id, largest, f"meets {overlay.label}")
    else:
        if setting == "max_dti_back":
            suggest_lower_debts(context, evaluation, check_id, loan, limit)


def scenario_structure(context: ProgramContext, terms: LoanTerms) -> LoanStructure | None:
    """The loan as the scenario stands, or None when inputs for the payment are missing."""
    scenario = context.scenario
    if scenario.value is None or scenario.base_loan is None:
        return None
    if not scenario.has_all(PAYMENT_FIELDS):
        return None
    income = scenario.monthly_income if scenario.has_all(RATIO_FIELDS) else None
    debts = scenario.monthly_debts if income is not None else None
    return structure(
        terms,
        scenario.value,
        scenario.base_loan,
        payment_factor(scenario.interest_rate, scenario.term_months),
        scenario.monthly_taxes,
        scenario.monthly_insurance,
        scenario.monthly_hoa,
        income,
        debts,
    )


def fill_figures(
    context: ProgramContext,
    evaluation: ProgramEvaluation,
    loan: LoanStructure | None,
    loan_limit: Decimal | None,
) -> None:
    scenario = context.scenario
    figures = evaluation.figures
    figures.loan_limit = loan_limit
    if scenario.value is not None and scenario.base_loan is not None:
        figures.ltv = scenario.base_loan * HUNDRED / scenario.value
        figures.cltv = figures.ltv  # the scenario format has no subordinate financing, so CLTV equals LTV
        figures.base_loan_amount = scenario.base_loan
    figures.cash_to_close = scenario.down_payment_amount  # down payment; closing costs/prepaids not included
    if loan is None:
        return
    figures.total_loan_amount = loan.total_loan
    figures.upfront_fee = loan.upfront_fee
    figures.principal_interest = loan.principal_interest
    figures.mortgage_insurance = loan.mortgage_insurance
    figures.taxes = loan.taxes
    figures.insurance = loan.insurance
    figures.hoa = loan.hoa
    figures.housing_total = loan.housing
    figures.dti_front = loan.dti_front
    figures.dti_back = loan.dti_back


def solve_max_price(
    context: ProgramContext, terms: LoanTerms, ltv_candidates: tuple[Decimal, ...]
) -> Decimal | None:
    """Maximum purchase price for a purchase.

    The cash down payment is held fixed when the scenario gives the loan or down payment; otherwise the loan
    is the program's maximum LTV of the price. Taxes and insurance scale with price at the scenario's rates.
    """
    scenario = context.scenario
    if scenario.purpose != "purchase":
        return None
    if not scenario.has_all(PAYMENT_FIELDS + RATIO_FIELDS + ("credit_score",)):
        return None
    price = scenario.purchase_price
    down = scenario.down_payment_amount
    inputs = PriceInputs(
        factor=payment_factor(scenario.interest_rate, scenario.term_months),
        income=scenario.monthly_income,
        debts=scenario.monthly_debts,
        hoa=scenario.monthly_hoa,
        taxes_per_dollar=scenario.monthly_taxes / price if price else None,
        insurance_per_dollar=scenario.monthly_insurance / price if price else None,
        fixed_taxes=scenario.monthly_taxes,
        fixed_insurance=scenario.monthly_insurance,
        down_payment=down if down is not None and down >= 0 else None,
    )
    return max_purchase_price(terms, inputs, ltv_candidates)
