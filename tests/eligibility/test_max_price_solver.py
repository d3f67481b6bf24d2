"""The maximum purchase price: the largest whole-dollar price at which the program is still eligible."""

import time
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from eligibility_scenarios import LOS_ANGELES, MIAMI_DADE, assess_program, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstcall.eligibility.engine import assess

# Taxes $400 and insurance $150 on a $400,000 price scale exactly (0.1% and 0.0375% of price), so re-running
# a scenario at the solver's price reproduces the solver's own tax and insurance figures to the cent.
TAX_RATE = Decimal("0.001")
INSURANCE_RATE = Decimal("0.000375")
CENT = Decimal("0.01")


def at_price(scenario: dict, price: Decimal, down_payment: str) -> dict:
    return {
        **scenario,
        "purchase_price": str(price),
        "down_payment": down_payment,
        "monthly_taxes": str((price * TAX_RATE).quantize(CENT, ROUND_HALF_UP)),
        "monthly_insurance": str((price * INSURANCE_RATE).quantize(CENT, ROUND_HALF_UP)),
    }


qualified_borrowers = st.fixed_dictionaries(
    {
        "monthly_income": st.integers(3000, 9900).map(str),  # under USDA's $119,850 standard limit
        "monthly_debts": st.integers(0, 2500).map(str),
        "down_payment": st.integers(0, 300000).map(str),
        "credit_score": st.integers(700, 850),
        "interest_rate": st.sampled_from([3.25, 5.0, 6.5, 7.125, 8.75]),
        "term_months": st.sampled_from([180, 240, 360]),
        "county_fips": st.sampled_from([MIAMI_DADE, LOS_ANGELES]),
        "household_size": st.integers(1, 4),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qualified_borrowers)
def test_max_price_is_eligible_and_one_dollar_more_is_not(borrower):
    state = "FL" if borrower["county_fips"] == MIAMI_DADE else "CA"
    scenario = make_scenario(state=state, **borrower)
    result = assess(scenario)

    for entry in result["programs"]:
        price = entry["figures"]["max_purchase_price"]
        if price is None:
            continue
        name, price = entry["program"], Decimal(price)
        down = scenario["down_payment"]
        at_max = assess_program(name, **at_price(scenario, price, down))
        above = assess_program(name, **at_price(scenario, price + 1, down))
        assert at_max["status"] == "eligible", (name, price, [c for c in at_max["checks"] if not c["passed"]])
        assert above["status"] != "eligible", (name, price)


def test_max_price_without_a_down_payment_uses_the_programs_minimum_down():
    fha = assess_program("fha", down_payment=None, monthly_income="8000", monthly_debts="400")
    price = Decimal(fha["figures"]["max_purchase_price"])
    minimum_down = price - (price * Decimal("0.965")).quantize(Decimal(1), ROUND_DOWN)

    at_max = assess_program(
        "fha", **at_price(make_scenario(monthly_income="8000", monthly_debts="400"), price, str(minimum_down))
    )

    assert at_max["status"] == "eligible"
    assert at_max["figures"]["ltv"] == 96.5


def test_max_price_is_bounded_by_ltv_when_income_is_high():
    # $15,000 down at FHA's 96.5% maximum LTV: 15,000 / 0.035 = $428,571.
    fha = assess_program("fha", down_payment="15000", monthly_income="50000", monthly_debts="0")

    assert fha["figures"]["max_purchase_price"] == "428571.00"


def test_fha_max_price_stops_at_the_national_floor_in_a_baseline_county():
    # $20,000 down would allow $571,428 by LTV, but only a $541,287 base loan is certain in Miami-Dade.
    fha = assess_program("fha", down_payment="20000", monthly_income="50000", monthly_debts="0")

    assert fha["figures"]["max_purchase_price"] == "561287.00"


def test_max_price_is_bounded_by_the_loan_limit():
    conventional = assess_program("conventional", down_payment="100000", monthly_income="50000")

    assert conventional["figures"]["max_purchase_price"] == "932750.00"  # $100,000 + $832,750 limit


def test_no_max_price_when_the_program_fails_for_reasons_price_cannot_fix():
    fha = assess_program("fha", occupancy="investment")

    assert fha["figures"]["max_purchase_price"] is None


def test_no_max_price_when_debts_already_use_up_the_ratio():
    conventional = assess_program("conventional", monthly_income="4000", monthly_debts="2100")

    assert conventional["figures"]["max_purchase_price"] is None


def test_solver_takes_under_10_ms():
    scenario = make_scenario(monthly_income="9000", monthly_debts="700", down_payment="25000")
    assess(scenario)  # warm the caches

    started = time.perf_counter()
    runs = 50
    for _ in range(runs):
        assess(scenario)
    per_assessment_ms = (time.perf_counter() - started) / runs * 1000

    assert per_assessment_ms < 10  # five programs, each with its solver
