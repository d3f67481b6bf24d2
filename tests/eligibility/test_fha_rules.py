"""FHA rules: ML 2010-29 credit tiers, 96.5% LTV, ML 2023-05 MIP, 31/43 ratios, derived county limits."""

from datetime import date
from decimal import Decimal

import pytest
from eligibility_scenarios import LOS_ANGELES, assess_program, check

from firstcall.eligibility.engine.fha import _annual_mip_row
from firstcall.eligibility.engine.rulebook import rule_book

LOW_DEBT = {"monthly_income": "20000", "monthly_debts": "0"}


def fha_purchase(price: str, loan: str, **changes) -> dict:
    return assess_program(
        "fha", purchase_price=price, loan_amount=loan, down_payment=None, **{**LOW_DEBT, **changes}
    )


def test_ltv_of_exactly_96_50_percent_is_within_the_fha_maximum():
    fha = fha_purchase("100000", "96500")

    assert check(fha, "fha.max_ltv")["passed"]
    assert fha["figures"]["ltv"] == 96.5
    assert fha["status"] == "eligible"


def test_ltv_of_96_51_percent_is_over_and_names_the_largest_loan():
    fha = fha_purchase("100000", "96510")

    ltv = check(fha, "fha.max_ltv")
    assert not ltv["passed"]
    assert "96.51%" in ltv["message"] and "$96,500" in ltv["message"]
    assert fha["status"] == "ineligible"


def test_excess_hidden_by_rounding_is_still_over_and_shown_with_more_digits():
    fha = fha_purchase("100000", "96504")  # 96.504% displays as 96.50% but is above 96.50%

    ltv = check(fha, "fha.max_ltv")
    assert not ltv["passed"] and "96.504%" in ltv["message"]


def test_score_580_gets_maximum_financing_and_579_does_not():
    at_580 = fha_purchase("300000", "289500", credit_score=580)  # 3.5% down
    at_579 = fha_purchase("300000", "289500", credit_score=579)

    assert at_580["status"] == "eligible"
    assert at_579["status"] == "ineligible"
    assert "90.00% maximum" in check(at_579, "fha.max_ltv")["message"]


def test_score_in_500_to_579_tier_works_with_10_percent_down_and_says_so():
    with_ten_percent = fha_purchase("300000", "270000", credit_score=560)
    with_three_and_a_half = fha_purchase("300000", "289500", credit_score=560)

    assert with_ten_percent["status"] == "eligible"
    messages = [item["message"] for item in with_three_and_a_half["suggestions"]]
    assert any("With $30,000 down (10.00%)" in message and "560" in message for message in messages)
    assert any("credit score of 580 or higher" in message for message in messages)


def test_score_below_500_is_ineligible():
    fha = fha_purchase("300000", "270000", credit_score=499)

    assert fha["status"] == "ineligible"
    assert "below FHA's minimum of 500" in check(fha, "fha.credit_score_tiers")["message"]


def test_upfront_mip_is_1_75_percent_of_the_base_loan_and_financed():
    fha = fha_purchase("207253", "200000")

    assert fha["figures"]["upfront_fee"] == "3500.00"
    assert fha["figures"]["total_loan_amount"] == "203500.00"
    assert check(fha, "fha.upfront_mip")["passed"]


def test_annual_mip_is_55_bps_on_the_base_loan_above_95_percent_ltv():
    fha = fha_purchase("207253", "200000")  # LTV 96.50%, 30 years, base under $726,200

    assert fha["figures"]["monthly_payment"]["mortgage_insurance"] == "91.67"  # 200,000 x 0.55% / 12
    assert "55 bps" in check(fha, "fha.annual_mip")["message"]


@pytest.mark.parametrize(
    ("term_months", "base_loan", "ltv", "bps", "duration"),
    [
        (360, "726200", "96.5", 55, "the mortgage term"),
        (360, "726200", "95", 50, "the mortgage term"),
        (360, "726200", "90", 50, "11 years"),
        (360, "726201", "96.5", 75, "the mortgage term"),
        (360, "726201", "92", 70, "the mortgage term"),
        (360, "726201", "90", 70, "11 years"),
        (180, "726200", "90", 15, "11 years"),
        (180, "726200", "90.01", 40, "the mortgage term"),
        (180, "726201", "78", 15, "11 years"),
        (180, "726201", "85", 40, "11 years"),
        (180, "726201", "95", 65, "the mortgage term"),
    ],
)
def test_annual_mip_follows_the_mortgagee_letter_2023_05_table(term_months, base_loan, ltv, bps, duration):
    params = rule_book().rule("fha.annual_mip", date(2026, 3, 2)).params

    row = _annual_mip_row(params, Decimal(ltv), Decimal(base_loan), term_months)

    assert (row["bps"], row["duration"]) == (bps, duration)


def test_front_end_above_31_percent_is_referred_to_aus_and_above_46_9_is_ineligible():
    within = fha_purchase("300000", "289500", monthly_income="12000")
    aus_zone = fha_purchase("300000", "289500", monthly_income="7000")
    over = fha_purchase("300000", "289500", monthly_income="4500")

    assert within["status"] == "eligible"
    assert aus_zone["status"] == "refer"
    assert "TOTAL Scorecard" in check(aus_zone, "fha.dti.front")["message"]
    assert over["status"] == "ineligible"
    assert "46.90% maximum" in check(over, "fha.dti.front")["message"]


def test_back_end_over_43_percent_is_referred_and_over_56_9_is_ineligible():
    refer = fha_purchase("300000", "289500", monthly_income="12000", monthly_debts="3000")
    over = fha_purchase("300000", "289500", monthly_income="12000", monthly_debts="5000")

    assert refer["status"] == "refer"
    assert not check(refer, "fha.dti.back")["passed"]
    assert over["status"] == "ineligible"


def test_base_loan_up_to_the_national_floor_is_within_limits_everywhere():
    fha = fha_purchase("600000", "541287")

    limit = check(fha, "fha.loan_limits")
    assert limit["passed"] and "$541,287" in limit["message"]


def test_base_loan_above_the_floor_in_a_baseline_county_is_referred_to_hud():
    fha = fha_purchase("600000", "541288")

    assert fha["status"] == "refer"
    assert "HUD's county lookup" in check(fha, "fha.loan_limits")["message"]


def test_base_loan_above_the_conforming_limit_of_a_baseline_county_is_over_the_fha_limit():
    fha = fha_purchase("900000", "832751")

    assert fha["status"] == "ineligible"
    assert "$1 over the FHA limit of $832,750" in check(fha, "fha.loan_limits")["message"]


def test_high_cost_county_fha_limit_is_derived_from_the_conforming_limit_and_labelled():
    within = fha_purchase("1300000", "1249125", county_fips=LOS_ANGELES, state="CA", monthly_income="60000")
    over = fha_purchase("1300000", "1249126", county_fips=LOS_ANGELES, state="CA", monthly_income="60000")

    assert "derived" in check(within, "fha.loan_limits")["message"]
    assert within["status"] == "eligible"
    assert over["status"] == "ineligible"


def test_fha_is_for_primary_residences_only():
    fha = fha_purchase("300000", "240000", occupancy="investment")

    assert fha["status"] == "ineligible"
    assert not check(fha, "fha.occupancy")["passed"]


def test_cash_out_refinance_is_capped_at_80_percent():
    fha = assess_program(
        "fha",
        purpose="cash_out_refinance",
        property_value="300000",
        loan_amount="240001",
        purchase_price=None,
        down_payment=None,
        **LOW_DEBT,
    )

    assert fha["status"] == "ineligible"
    assert "80.00% maximum" in check(fha, "fha.max_ltv")["message"]
    assert any(item["field"] == "loan_amount" and item["value"] == "240000.00" for item in fha["suggestions"])


def test_annual_mip_before_march_2023_is_not_in_the_rule_set_so_refers():
    fha = fha_purchase("300000", "289500", as_of="2023-03-19")

    assert fha["status"] == "refer"
