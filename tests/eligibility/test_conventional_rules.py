"""Conventional conforming and high-balance rules, with numbers from the cited FNMA, FHFA and MGIC sources."""

from datetime import date
from decimal import Decimal

from eligibility_scenarios import LOS_ANGELES, assess_program, check, failed_rules

from firstcall.eligibility.engine.rulebook import rule_book

RICH = {"monthly_income": "60000", "reserves_months": 12}


def test_loan_at_the_2026_miami_dade_limit_is_conforming():
    conventional = assess_program(
        "conventional", purchase_price="1100000", loan_amount="832750", down_payment=None, **RICH
    )

    assert conventional["status"] == "eligible"
    assert "is conforming" in check(conventional, "conventional.conforming_limits")["message"]
    assert conventional["figures"]["loan_limit"] == "832750.00"


def test_one_dollar_over_the_county_limit_is_not_conforming_and_suggests_the_limit():
    conventional = assess_program(
        "conventional", purchase_price="1100000", loan_amount="832751", down_payment=None, **RICH
    )

    assert conventional["status"] == "ineligible"
    limit = check(conventional, "conventional.conforming_limits")
    assert not limit["passed"]
    assert "$1 over the $832,750 conforming limit" in limit["message"]
    suggestion = next(
        item for item in conventional["suggestions"] if item["rule"] == "conventional.conforming_limits"
    )
    assert "a loan of $832,750 stays conforming in Miami-Dade County, FL" in suggestion["message"]
    assert suggestion["field"] == "down_payment" and suggestion["value"] == "267250.00"


def test_refinance_over_the_limit_suggests_the_loan_amount():
    conventional = assess_program(
        "conventional",
        purpose="rate_term_refinance",
        property_value="1200000",
        loan_amount="900000",
        purchase_price=None,
        down_payment=None,
        **RICH,
    )

    messages = [item["message"] for item in conventional["suggestions"]]
    assert "A loan amount of $832,750 or less stays conforming in Miami-Dade County, FL." in messages


def test_high_cost_county_allows_a_high_balance_loan():
    conventional = assess_program(
        "conventional",
        county_fips=LOS_ANGELES,
        state="CA",
        purchase_price="1300000",
        down_payment="300000",
        **RICH,
    )

    assert conventional["status"] == "eligible"
    message = check(conventional, "conventional.conforming_limits")["message"]
    assert "high-balance" in message and "$1,249,125" in message


def test_high_balance_two_unit_primary_is_capped_at_85_percent():
    # DU 2023-11: 2-4 units up to 95% for standard conforming only; high-balance stays 85% (2 units).
    conventional = assess_program(
        "conventional",
        county_fips=LOS_ANGELES,
        state="CA",
        property_type="multi_family",
        units=2,
        purchase_price="1400000",
        loan_amount="1260000",
        down_payment=None,
        **RICH,
    )

    ltv = check(conventional, "conventional.max_ltv")
    assert not ltv["passed"] and "85.00% maximum" in ltv["message"]


def test_two_unit_primary_purchase_is_95_percent_since_november_2023_and_85_before():
    book = rule_book()

    before = book.rule("conventional.max_ltv", date(2023, 11, 17)).params["grid"]["primary"]["purchase"]["2"]
    after = book.rule("conventional.max_ltv", date(2023, 11, 18)).params["grid"]["primary"]["purchase"]["2"]

    assert (before, after) == (85, 95)


def test_97_percent_ltv_with_a_first_time_buyer_is_eligible():
    conventional = assess_program("conventional", down_payment="12000")  # 97.00% of $400,000

    assert conventional["status"] == "eligible"
    assert "97.00% maximum" in check(conventional, "conventional.max_ltv")["message"]


def test_97_percent_ltv_without_a_first_time_buyer_is_ineligible_and_suggests_5_percent_down():
    conventional = assess_program("conventional", down_payment="12000", first_time_buyer=False)

    assert conventional["status"] == "ineligible"
    assert "first-time buyer" in check(conventional, "conventional.ltv_97")["message"]
    assert any(item["value"] == "20000.00" for item in conventional["suggestions"])


def test_97_percent_ltv_with_first_time_buyer_unknown_is_referred():
    conventional = assess_program("conventional", down_payment="12000", first_time_buyer=None)

    assert conventional["status"] == "refer"
    assert "first_time_buyer is missing" in check(conventional, "conventional.ltv_97")["message"]


def test_above_97_percent_is_ineligible_even_for_a_first_time_buyer():
    conventional = assess_program("conventional", down_payment="11960")  # 97.01%

    assert conventional["status"] == "ineligible"
    assert "97.01%" in check(conventional, "conventional.max_ltv")["message"]


def test_manufactured_home_is_capped_at_95_percent():
    conventional = assess_program("conventional", down_payment="12000", property_type="manufactured")

    assert conventional["status"] == "ineligible"
    assert "manufactured" in check(conventional, "conventional.max_ltv")["message"]


def test_investment_purchase_is_85_percent_and_primary_cash_out_is_80_percent():
    investment = assess_program("conventional", occupancy="investment", down_payment="60000", **RICH)
    over = assess_program("conventional", occupancy="investment", down_payment="59999", **RICH)
    cash_out = assess_program(
        "conventional",
        purpose="cash_out_refinance",
        property_value="400000",
        loan_amount="320001",
        purchase_price=None,
        down_payment=None,
    )

    assert investment["status"] == "eligible"
    assert over["status"] == "ineligible"
    assert "80.00% maximum" in check(cash_out, "conventional.max_ltv")["message"]
    assert cash_out["status"] == "ineligible"


def test_second_home_cannot_be_two_units():
    conventional = assess_program(
        "conventional", occupancy="second_home", property_type="multi_family", units=2, **RICH
    )

    assert conventional["status"] == "ineligible"
    assert "does not lend here" in check(conventional, "conventional.max_ltv")["message"]


def test_score_619_is_ineligible_before_the_du_change_and_refer_after_it():
    before = assess_program("conventional", as_of="2025-11-15", credit_score=619)
    after = assess_program("conventional", as_of="2025-11-16", credit_score=619)
    at_minimum = assess_program("conventional", as_of="2025-11-16", credit_score=620)

    assert before["status"] == "ineligible"
    assert after["status"] == "refer"
    assert "2025-11-16" in check(after, "conventional.min_credit_score")["message"]
    assert at_minimum["status"] == "eligible"


def test_2025_scenario_uses_the_2025_baseline_where_no_county_table_exists():
    within = assess_program(
        "conventional",
        as_of="2025-06-02",
        purchase_price="900000",
        loan_amount="806500",
        down_payment=None,
        **RICH,
    )
    above = assess_program(
        "conventional",
        as_of="2025-06-02",
        purchase_price="900000",
        loan_amount="806501",
        down_payment=None,
        **RICH,
    )

    assert within["status"] == "eligible"
    assert above["status"] == "refer"
    assert "no county limit table for 2025" in check(above, "conventional.conforming_limits")["message"]


def test_pmi_is_estimated_from_the_mgic_card_and_labelled_an_estimate():
    # MGIC 2018 card, fixed > 20 years, 90.01-95% LTV at 30% coverage, 760+: 0.38% a year.
    conventional = assess_program("conventional", down_payment="20000")  # LTV 95%, loan $380,000

    pmi = check(conventional, "conventional.pmi_estimate")
    assert pmi["passed"] and "estimate" in pmi["message"] and "0.38%" in pmi["message"]
    assert (
        conventional["figures"]["monthly_payment"]["mortgage_insurance"] == "120.33"
    )  # 380,000 x 0.38% / 12


def test_pmi_rate_rises_for_lower_scores():
    # Same band, score 620-639: 1.42% a year.
    conventional = assess_program("conventional", down_payment="20000", credit_score=625)

    assert (
        conventional["figures"]["monthly_payment"]["mortgage_insurance"] == "449.67"
    )  # 380,000 x 1.42% / 12


def test_no_mortgage_insurance_at_80_percent_ltv():
    conventional = assess_program("conventional")

    assert "no mortgage insurance" in check(conventional, "conventional.pmi_estimate")["message"]
    assert conventional["figures"]["monthly_payment"]["mortgage_insurance"] == "0.00"


def test_no_pmi_estimate_below_620_is_referred():
    conventional = assess_program("conventional", credit_score=600, down_payment="20000")

    assert conventional["status"] == "refer"
    assert "insurer must quote" in check(conventional, "conventional.pmi_estimate")["message"]


def test_dti_of_exactly_50_percent_passes_and_a_cent_more_fails():
    # Housing at 80% LTV: P&I $2,022.62 + taxes $400 + insurance $150 = $2,572.62; income $10,000.
    at_limit = assess_program("conventional", monthly_income="10000", monthly_debts="2427.38")
    over = assess_program("conventional", monthly_income="10000", monthly_debts="2427.39")

    assert at_limit["figures"]["dti_back"] == 50.0
    assert at_limit["status"] == "eligible"
    assert over["status"] == "ineligible"
    assert "conventional.max_dti" in failed_rules(over)


def test_high_dti_suggests_paying_down_debts_and_a_lower_price():
    conventional = assess_program("conventional", monthly_income="10000", monthly_debts="2600")

    fields = {item["field"] for item in conventional["suggestions"]}
    assert {"monthly_debts", "purchase_price"} <= fields
    debts = next(item for item in conventional["suggestions"] if item["field"] == "monthly_debts")
    assert debts["value"] == "2427.38"


def test_two_unit_primary_needs_two_months_of_reserves():
    short = assess_program("conventional", property_type="multi_family", units=2, reserves_months=1)
    enough = assess_program("conventional", property_type="multi_family", units=2, reserves_months=2)

    assert short["status"] == "ineligible"
    assert "2-month minimum" in check(short, "conventional.reserves")["message"]
    assert any(item["field"] == "reserves_months" and item["value"] == 2.0 for item in short["suggestions"])
    assert enough["status"] == "eligible"


def test_one_unit_primary_needs_no_reserves_so_missing_reserves_do_not_refer():
    conventional = assess_program("conventional", reserves_months=None)

    assert conventional["status"] == "eligible"


def test_rule_in_force_changes_on_its_effective_date():
    book = rule_book()

    assert (
        book.rule("conventional.min_credit_score", date(2025, 11, 15)).params["below_minimum"] == "ineligible"
    )
    assert book.rule("conventional.min_credit_score", date(2025, 11, 16)).params["below_minimum"] == "refer"
    assert book.rule("conventional.conforming_limits", date(2026, 1, 1)).params["baseline"]["1"] == 832750
    assert book.rule("conventional.conforming_limits", date(2025, 12, 31)).params["baseline"]["1"] == 806500
    assert book.rule("conventional.pmi_estimate", date(2026, 1, 1)).params["ltv_bands"][0]["annual_rates"][
        0
    ] == Decimal("0.58")
