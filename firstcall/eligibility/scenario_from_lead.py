"""Engine scenarios from what FirstCall knows: a Lead, or a borrower's calculator.

Nothing is guessed silently. What the lead does not say is left out, so the engine refers the programs that
need it and names the field. Where a default is needed to show a payment at all (the interest rate and term;
for the borrower calculator also property taxes and insurance), the value is used *and* returned as an
`Assumption` that the page shows next to the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from firstcall.lib.credit import CREDIT_BANDS
from firstcall.lib.money import InvalidMoney, parse_money

CENT = Decimal("0.01")
MONTHS_PER_YEAR = Decimal(12)

# The rate and term used when nobody has given one. A loan officer overrides them in the what-if form; the
# setting lets an organisation's operator move the default with the market without a code change.
DOCUMENTED_DEFAULT_INTEREST_RATE = Decimal("6.50")
DOCUMENTED_DEFAULT_TERM_MONTHS = 360

# Borrower calculator only: the borrower rarely knows the taxes and insurance of a home they have not bought.
# ATTOM's 2020 analysis of 87 million US single-family homes: average effective property tax rate 1.1 %
# (https://fyi.com/money/taxes/with-property-tax-rates-up-5-4-in-u-s-these-states-had-the-highest-lowest-property-taxes-last-year/).
ASSUMED_PROPERTY_TAX_PERCENT_PER_YEAR = Decimal("1.10")
# NAIC's HO-3 averages were about 0.35-0.40 % of value a year ($1,290 for $300-399k homes, 2019; Triple-I,
# https://insuranceindustryblog.iii.org/tag/consumer-sentiment); premiums have risen since, so 0.50 % is used.
ASSUMED_HOME_INSURANCE_PERCENT_PER_YEAR = Decimal("0.50")

ENGINE_PURPOSES = ("purchase", "rate_term_refinance", "cash_out_refinance")
SINGLE_UNIT_PROPERTY_TYPES = ("single_family", "condo", "townhouse", "manufactured")
# A first-time VA borrower who is not exempt pays the funding fee: the conservative reading of "veteran: yes".
DEFAULT_VETERAN = {"eligible": True, "first_use": True, "funding_fee_exempt": False}
NOT_A_VETERAN = {"eligible": False}


@dataclass(frozen=True)
class Assumption:
    """A value the page must label: used for the assessment, but not something the borrower told us."""

    field: str  # the engine's scenario field
    message: str


@dataclass
class BuiltScenario:
    scenario: dict
    assumptions: list[Assumption] = field(default_factory=list)

    def assumption_for(self, name: str) -> Assumption | None:
        return next((item for item in self.assumptions if item.field == name), None)


def default_interest_rate() -> Decimal:
    return Decimal(
        str(getattr(settings, "ASSESSMENT_DEFAULT_INTEREST_RATE", DOCUMENTED_DEFAULT_INTEREST_RATE))
    )


def default_term_months() -> int:
    return int(getattr(settings, "ASSESSMENT_DEFAULT_TERM_MONTHS", DOCUMENTED_DEFAULT_TERM_MONTHS))


def money(value) -> str:
    """The scenario's money format: a string with two decimals."""
    return str(Decimal(value).quantize(CENT, ROUND_HALF_UP))


def monthly_from_annual(annual) -> str:
    return money(Decimal(annual) / MONTHS_PER_YEAR)


def estimated_monthly_escrow(price: Decimal) -> tuple[str, str]:
    """(monthly property taxes, monthly home insurance) estimated from the price at the documented rates."""
    yearly_per_dollar = Decimal(price) / Decimal(100) / MONTHS_PER_YEAR
    return (
        money(yearly_per_dollar * ASSUMED_PROPERTY_TAX_PERCENT_PER_YEAR),
        money(yearly_per_dollar * ASSUMED_HOME_INSURANCE_PERCENT_PER_YEAR),
    )


def escrow_assumptions(price) -> list[Assumption]:
    taxes, insurance = estimated_monthly_escrow(price)
    return [
        Assumption(
            "monthly_taxes",
            f"Property taxes estimated at {ASSUMED_PROPERTY_TAX_PERCENT_PER_YEAR}% of "
            f"${Decimal(price):,.0f} a year (${Decimal(taxes):,.2f} a month), the US average effective rate; "
            "the county's bill decides.",
        ),
        Assumption(
            "monthly_insurance",
            f"Home insurance estimated at {ASSUMED_HOME_INSURANCE_PERCENT_PER_YEAR}% of the price a year "
            f"(${Decimal(insurance):,.2f} a month); a quote for the home decides.",
        ),
    ]


def rate_assumptions() -> list[Assumption]:
    rate, term = default_interest_rate(), default_term_months()
    return [
        Assumption(
            "interest_rate",
            f"Interest rate {rate}% is an assumed rate, not a quote; today's pricing for this borrower "
            "decides.",
        ),
        Assumption("term_months", f"Term {term} months ({term // 12} years, fixed) is assumed."),
    ]


def _credit_score(lead, assumptions: list[Assumption]) -> int | None:
    low, high = lead.credit_score_low, lead.credit_score_high
    if low is None:
        return None
    band = CREDIT_BANDS.get(lead.credit_band or "")
    if high is not None and high != low:
        if band is not None and band == (low, high):
            why = f"the floor of the lead's “{lead.credit_band.replace('_', ' ')}” band ({low}–{high})"
        else:
            why = f"the low end of the lead's range {low}–{high}"
        assumptions.append(
            Assumption(
                "credit_score", f"Credit score {low} is {why}, not a pulled score: the lowest it can be."
            )
        )
    return low


def _reserves_from_verified_assets(lead, scenario: dict, assumptions: list[Assumption]) -> None:
    """Months of reserves from the lead's verified assets (reviewed bank statements): what is left after the
    down payment, over the housing payment (principal and interest at the scenario's rate and term plus taxes
    and insurance estimated as above). Reserves are counted in months of the housing payment (Fannie Mae Selling
    Guide B3-4.1-01, Minimum Reserve Requirements). Closing costs are not deducted, which the page says."""
    assets = getattr(lead, "verified_assets", None)
    if assets is None:
        return
    if lead.purpose == "purchase" and lead.purchase_price:
        price, down = Decimal(lead.purchase_price), Decimal(lead.down_payment or 0)
        loan = price - down
    elif lead.purpose in ENGINE_PURPOSES and lead.loan_balance:
        price = Decimal(lead.property_value or 0)
        down, loan = Decimal(0), Decimal(lead.loan_balance)
    else:
        return
    rate, term = default_interest_rate(), default_term_months()
    monthly_rate = rate / Decimal(1200)
    if monthly_rate:
        growth = (1 + monthly_rate) ** term
        principal_interest = loan * monthly_rate * growth / (growth - 1)
    else:
        principal_interest = loan / term
    taxes, insurance = estimated_monthly_escrow(price) if price else ("0", "0")
    housing = principal_interest + Decimal(taxes) + Decimal(insurance)
    if housing <= 0:
        return
    left = max(Decimal(assets) - down, Decimal(0))
    months = (left / housing).quantize(Decimal("0.1"), ROUND_DOWN)
    scenario["reserves_months"] = str(months)
    as_of = f" as of {lead.verified_assets_as_of.isoformat()}" if lead.verified_assets_as_of else ""
    assumptions.append(
        Assumption(
            "reserves_months",
            f"Reserves {months} months: verified assets ${Decimal(assets):,.2f}{as_of} (reviewed bank "
            f"statements) less the down payment ${down:,.2f}, over an estimated housing payment of "
            f"${housing:,.2f} (principal and interest at the assumed rate, estimated taxes and insurance); "
            "closing costs are not deducted (Fannie Mae Selling Guide B3-4.1-01).",
        )
    )


def lead_scenario(lead, overrides: dict | None = None) -> BuiltScenario:
    """The lead's scenario with `overrides` (engine field -> value; None removes the field) applied on top."""
    assumptions: list[Assumption] = []
    scenario: dict = {}

    if lead.purpose in ENGINE_PURPOSES:
        scenario["purpose"] = lead.purpose
    elif lead.purpose == "heloc":
        assumptions.append(
            Assumption(
                "purpose",
                "The lead asked for a HELOC, a second lien these first-mortgage programs do not assess; "
                "choose a purpose to assess a first mortgage instead.",
            )
        )
    if lead.property_use:
        scenario["occupancy"] = lead.property_use
    if lead.property_type:
        scenario["property_type"] = lead.property_type
        if lead.property_type in SINGLE_UNIT_PROPERTY_TYPES:
            scenario["units"] = 1
        # multi_family: 2, 3 or 4 units changes the loan limits, so the engine asks rather than us guessing.
    if lead.state:
        scenario["state"] = lead.state
    if lead.zip_code:
        scenario["zip"] = lead.zip_code  # the engine finds the county (and its loan limits) from the ZIP

    if lead.purpose == "purchase":
        if lead.purchase_price is not None:
            scenario["purchase_price"] = money(lead.purchase_price)
        if lead.property_value is not None:
            scenario["property_value"] = money(lead.property_value)
        if lead.down_payment is not None:
            scenario["down_payment"] = money(lead.down_payment)
    elif lead.purpose in ENGINE_PURPOSES:
        if lead.property_value is not None:
            scenario["property_value"] = money(lead.property_value)
        if lead.loan_balance is not None:
            scenario["loan_amount"] = money(lead.loan_balance)
            extra = " plus the cash taken out" if lead.purpose == "cash_out_refinance" else ""
            assumptions.append(
                Assumption(
                    "loan_amount",
                    f"New loan amount taken as the current balance (${lead.loan_balance:,.0f}){extra}; "
                    "change it to the amount the borrower wants.",
                )
            )

    score = _credit_score(lead, assumptions)
    if score is not None:
        scenario["credit_score"] = score
    if lead.annual_income is not None:
        scenario["monthly_income"] = monthly_from_annual(lead.annual_income)
    if lead.monthly_debts is not None:
        scenario["monthly_debts"] = money(lead.monthly_debts)
    if lead.first_time_buyer is not None:
        scenario["first_time_buyer"] = lead.first_time_buyer
    if lead.veteran is True:
        scenario["veteran"] = dict(DEFAULT_VETERAN)
        assumptions.append(
            Assumption(
                "veteran",
                "Veteran: first use of the VA benefit and not exempt from the funding fee are assumed; a "
                "disability rating or earlier VA loan changes the fee.",
            )
        )
    elif lead.veteran is False:
        scenario["veteran"] = dict(NOT_A_VETERAN)

    scenario["interest_rate"] = float(default_interest_rate())
    scenario["term_months"] = default_term_months()
    assumptions.extend(rate_assumptions())
    _reserves_from_verified_assets(lead, scenario, assumptions)

    built = BuiltScenario(scenario, assumptions)
    apply_overrides(built, overrides or {})
    if not built.scenario.get("as_of"):
        built.scenario["as_of"] = (
            timezone.localdate().isoformat()
        )  # the engine needs it; today is what we mean
    _label_estimated_escrow(built)
    return built


def escrow_basis(scenario: dict):
    """The price taxes and insurance are estimated from: the purchase price, else the property value."""
    for name in ("purchase_price", "property_value"):
        try:
            amount = parse_money(scenario.get(name))
        except InvalidMoney:
            continue
        if amount > 0:
            return amount
    return None


def _label_estimated_escrow(built: BuiltScenario) -> None:
    """Taxes or insurance equal to the documented estimate (the what-if form's "estimate" button) stay
    labelled as estimates on every re-run, not only the one that filled them in."""
    basis = escrow_basis(built.scenario)
    if basis is None:
        return
    estimates = dict(
        zip(("monthly_taxes", "monthly_insurance"), estimated_monthly_escrow(basis), strict=True)
    )
    for assumption in escrow_assumptions(basis):
        value = built.scenario.get(assumption.field)
        if (
            value is not None
            and _same(value, estimates[assumption.field])
            and not built.assumption_for(assumption.field)
        ):
            built.assumptions.append(assumption)


def apply_overrides(built: BuiltScenario, overrides: dict) -> None:
    """Replace fields; drop the assumption for any field that now holds a value other than the assumed one."""
    scenario = built.scenario
    for name, value in overrides.items():
        before = scenario.get(name)
        if value is None:
            scenario.pop(name, None)
        else:
            scenario[name] = value
        if before is None or not _same(before, value):
            built.assumptions = [item for item in built.assumptions if item.field != name]


def _same(left, right) -> bool:
    if isinstance(left, bool) or isinstance(right, bool) or isinstance(left, dict) or isinstance(right, dict):
        return left == right
    try:
        return Decimal(str(left)) == Decimal(str(right))
    except ArithmeticError:
        return str(left) == str(right)


def scenario_from_lead(lead, overrides: dict | None = None) -> dict:
    """The engine scenario for a lead (see `lead_scenario` for the assumptions the page must label)."""
    return lead_scenario(lead, overrides).scenario


# --- The borrower calculator ----------------------------------------------------------------------------

CALCULATOR_PROGRAMS = ("conventional", "fha", "va", "usda", "jumbo")


def calculator_scenario(answers: dict) -> BuiltScenario:
    """A purchase of a primary home from the calculator's cleaned answers (forms.CalculatorForm).

    answers: zip, purchase_price, down_payment (Decimal), credit_band, annual_income, monthly_debts
    (Decimal), veteran, first_time_buyer (bool), household_size (int or None), property_type, monthly_hoa
    (Decimal or None).
    """
    price = answers["purchase_price"]
    low, high = CREDIT_BANDS[answers["credit_band"]]
    taxes, insurance = estimated_monthly_escrow(price)
    scenario = {
        "as_of": timezone.localdate().isoformat(),
        "purpose": "purchase",
        "occupancy": "primary",
        "property_type": answers["property_type"],
        "units": 1,
        "zip": answers["zip"],
        "purchase_price": money(price),
        "down_payment": money(answers["down_payment"]),
        "credit_score": low,
        "monthly_income": monthly_from_annual(answers["annual_income"]),
        "monthly_debts": money(answers["monthly_debts"]),
        "monthly_taxes": taxes,
        "monthly_insurance": insurance,
        "interest_rate": float(default_interest_rate()),
        "term_months": default_term_months(),
        "first_time_buyer": answers["first_time_buyer"],
        "veteran": dict(DEFAULT_VETERAN) if answers["veteran"] else dict(NOT_A_VETERAN),
        # VA only for a veteran: for anyone else it is noise, not an option.
        "programs": [name for name in CALCULATOR_PROGRAMS if name != "va" or answers["veteran"]],
    }
    if answers.get("household_size"):
        scenario["household_size"] = answers["household_size"]
    if answers.get("monthly_hoa") is not None:
        scenario["monthly_hoa"] = money(answers["monthly_hoa"])
    assumptions = [
        *rate_assumptions(),
        *escrow_assumptions(price),
        Assumption(
            "credit_score",
            f"Credit score {low} is the lowest score in the range you chose ({low}–{high}); a higher actual "
            "score can only improve the estimate.",
        ),
    ]
    if answers["veteran"]:
        assumptions.append(
            Assumption("veteran", "VA: first use of the benefit and the standard funding fee are assumed.")
        )
    return BuiltScenario(scenario, assumptions)
