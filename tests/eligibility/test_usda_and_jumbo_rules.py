"""USDA guaranteed (1% / 0.35% fees, rural primary residences, 29/41) and jumbo (lender defaults) rules."""

from eligibility_scenarios import LOS_ANGELES, assess_program, check

USDA_INCOME = {"monthly_income": "9000", "monthly_debts": "0", "household_size": 4}


def usda(**changes) -> dict:
    return assess_program(
        "usda", **{"purchase_price": "250000", "down_payment": "0", **USDA_INCOME, **changes}
    )


def test_usda_charges_1_percent_upfront_financed_and_0_35_percent_a_year():
    result = usda(purchase_price="200000")

    assert result["figures"]["upfront_fee"] == "2000.00"
    assert result["figures"]["total_loan_amount"] == "202000.00"
    assert result["figures"]["monthly_payment"]["mortgage_insurance"] == "58.92"  # 202,000 x 0.35% / 12
    assert check(result, "usda.guarantee_fee")["passed"]


def test_usda_eligible_rural_purchase_with_no_down_payment():
    result = usda()

    assert result["status"] == "eligible"
    assert result["figures"]["ltv"] == 100.0


def test_usda_is_for_primary_residences_only():
    assert usda(occupancy="second_home")["status"] == "ineligible"
    assert usda(occupancy="investment")["status"] == "ineligible"


def test_usda_rural_area_unknown_is_referred_and_outside_is_ineligible():
    unknown = usda(usda_rural_eligible=None)
    outside = usda(usda_rural_eligible=False)

    assert unknown["status"] == "refer"
    assert "usda_rural_eligible is missing" in check(unknown, "usda.rural_area")["message"]
    assert outside["status"] == "ineligible"


def test_usda_does_not_finance_multi_unit_properties():
    result = usda(property_type="multi_family", units=2)

    assert result["status"] == "ineligible"
    assert not check(result, "usda.property")["passed"]


def test_usda_ratios_above_29_and_41_need_gus_and_are_referred():
    high_housing = usda(monthly_income="5500")
    high_total = usda(monthly_income="9000", monthly_debts="2000")

    assert high_housing["status"] == "refer"
    assert "29.00% limit" in check(high_housing, "usda.dti.front")["message"]
    assert high_total["status"] == "refer"
    assert "41.00% limit" in check(high_total, "usda.dti.back")["message"]


def test_usda_score_below_640_is_manually_underwritten_so_referred():
    assert usda(credit_score=639)["status"] == "refer"
    assert usda(credit_score=640)["status"] == "eligible"


def test_usda_income_above_the_standard_limit_is_referred_to_the_county_limit():
    result = usda(monthly_income="12000")  # $144,000 a year > $119,850 for 1-4 people

    assert result["status"] == "refer"
    assert "$119,850" in check(result, "usda.income_limit")["message"]


def test_usda_does_not_allow_cash_out():
    result = usda(
        purpose="cash_out_refinance", property_value="300000", loan_amount="200000", purchase_price=None
    )

    assert result["status"] == "ineligible"


JUMBO = {
    "county_fips": LOS_ANGELES,
    "state": "CA",
    "purchase_price": "2000000",
    "down_payment": "400000",
    "monthly_income": "60000",
    "monthly_debts": "1000",
    "monthly_taxes": "2000",
    "monthly_insurance": "400",
    "credit_score": 740,
    "reserves_months": 12,
}


def jumbo(**changes) -> dict:
    return assess_program("jumbo", **{**JUMBO, **changes})


def test_jumbo_loan_above_the_county_limit_with_defaults_met_is_eligible():
    result = jumbo()

    assert result["status"] == "eligible"
    assert "a jumbo loan" in check(result, "jumbo.applicability")["message"]


def test_jumbo_needs_12_months_of_reserves_by_default():
    short = jumbo(reserves_months=11)
    unknown = jumbo(reserves_months=None)

    assert short["status"] == "ineligible"
    assert any(item["field"] == "reserves_months" and item["value"] == 12.0 for item in short["suggestions"])
    assert unknown["status"] == "refer"
    assert "reserves_months is missing" in check(unknown, "jumbo.reserves")["message"]


def test_jumbo_minimum_score_is_700_by_default():
    assert jumbo(credit_score=699)["status"] == "ineligible"
    assert jumbo(credit_score=700)["status"] == "eligible"


def test_jumbo_maximum_ltv_is_80_percent_by_default():
    at_limit = jumbo(down_payment="400000")
    over = jumbo(down_payment="399999")

    assert at_limit["status"] == "eligible"
    assert over["status"] == "ineligible"
    assert "80.00% maximum" in check(over, "jumbo.max_ltv")["message"]


def test_jumbo_maximum_dti_is_43_percent_by_default():
    result = jumbo(monthly_income="30000", monthly_debts="4000")

    assert result["status"] == "ineligible"
    assert "43.00%" in check(result, "jumbo.max_dti")["message"]


def test_a_conforming_loan_is_not_jumbo():
    result = jumbo(purchase_price="1300000", down_payment="400000")

    assert result["status"] == "ineligible"
    assert "not jumbo" in check(result, "jumbo.applicability")["message"]
    # $400,000 down at the 80% maximum LTV supports a $2,000,000 price: a $1,600,000 jumbo loan.
    assert result["figures"]["max_purchase_price"] == "2000000.00"


def test_jumbo_has_no_maximum_price_when_the_down_payment_cannot_reach_jumbo_size():
    result = jumbo(purchase_price="1000000", down_payment="200000")  # 80% of at most $1,000,000 is conforming

    assert result["figures"]["max_purchase_price"] is None
